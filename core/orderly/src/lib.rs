//! Orderly: an order-management engine that is exact to the cent and never places an order twice.
