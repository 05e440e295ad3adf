//! Multi-row statements in a few fixed sizes, so that few distinct statements are prepared
//! (and cached) however many rows a write has.

use mysql::prelude::Queryable;
use mysql::{Params, Value};
use orderly_core::StoreError;

use crate::error::DbResult;

/// Rows per statement are powers of two up to this.
const MAX_ROWS_PER_STATEMENT: usize = 32;

/// A multi-row statement: what comes before the rows, one row's placeholders, and what
/// follows them (an `ON DUPLICATE KEY UPDATE` clause, or nothing).
pub(crate) type RowsStatement = (&'static str, &'static str, &'static str);

/// Runs `rows` through `statement` in statements of 32, 16, ... 1 rows, keeping their order.
pub(crate) fn execute(
    tx: &mut impl Queryable,
    (head, row, tail): RowsStatement,
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let mut rest = rows.as_slice();
    while !rest.is_empty() {
        let n = statement_rows(rest.len());
        let (batch, remaining) = rest.split_at(n);
        rest = remaining;
        let sql = format!("{head}{}{tail}", vec![row; n].join(", "));
        let params: Vec<Value> = batch.iter().flatten().cloned().collect();
        tx.exec_drop(sql, Params::Positional(params)).db()?;
    }
    Ok(())
}

/// The largest power of two up to `MAX_ROWS_PER_STATEMENT` that is at most `remaining`.
fn statement_rows(remaining: usize) -> usize {
    let mut n = MAX_ROWS_PER_STATEMENT;
    while n > remaining.max(1) {
        n /= 2;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_take_powers_of_two() {
        assert_eq!(statement_rows(1), 1);
        assert_eq!(statement_rows(3), 2);
        assert_eq!(statement_rows(31), 16);
        assert_eq!(statement_rows(32), 32);
        assert_eq!(statement_rows(500), 32);
    }
}
