// Analytics over a chosen date range: sales per day (one small chart per currency), orders by
// status, top products and cancellations by reason. Each chart has its figures beside it as a table (kept
// out of sight but read by screen readers and the browser test), with the server's amounts as
// they came; the charts themselves plot those amounts as numbers, which is only for drawing.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, query } from "./api.js";
import { PALETTE, draw } from "./charts.js";
import { day, dayAfter, dayStart, label, refusal, statusClass } from "./format.js";

const DEFAULT_DAYS = 30;

/** Every day from `from` to `to` (YYYY-MM-DD, inclusive). */
function daysBetween(from, to) {
  const days = [];
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (d <= end && days.length < 3660) {
    days.push(day(d));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

/** One chart drawn on its own canvas. */
function Canvas({ config, name, small }) {
  const canvas = useRef(null);
  useEffect(() => {
    if (!canvas.current || !config) return undefined;
    const chart = draw(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div class={small ? "canvas-box small" : "canvas-box"}>
      <canvas ref={canvas} role="img" aria-label={`${name}: chart; the figures follow in a table`} />
    </div>
  );
}

/**
 * A chart and its figures. `panels` (each `{name, config}`) draws several small charts side
 * by side, each with its own scale, in place of the one `config`.
 */
function Figure({ id, title, note, columns, rows, config, panels }) {
  return (
    <figure class="chart" id={id} aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <h2>{title}</h2>
        {note ? <p class="hint">{note}</p> : null}
      </figcaption>
      {rows.length === 0 ? (
        <p class="empty">No figures in this range.</p>
      ) : panels ? (
        <div class="sales-panels">
          {panels.map((panel) => (
            <div key={panel.name} class="panel">
              <h3>{panel.name}</h3>
              <Canvas config={panel.config} name={`${title}, ${panel.name}`} small />
            </div>
          ))}
        </div>
      ) : (
        <Canvas config={config} name={title} />
      )}
      <table class="visually-hidden figures" data-chart={id}>
        <caption>{title}: figures</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) =>
                j === 0 ? (
                  <th scope="row" key={j}>
                    {cell}
                  </th>
                ) : (
                  <td key={j}>{cell}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/**
 * Sales per day, one small chart per currency: amounts in different currencies share no
 * scale (a yen total dwarfs a euro one), so each currency gets its own axis.
 */
function salesFigure(report, from, to) {
  const currencies = [...new Set(report.days.map((d) => d.currency))].sort();
  const days = daysBetween(from, to);
  const byKey = new Map(report.days.map((d) => [`${d.day} ${d.currency}`, d]));
  return {
    title: "Sales per day",
    note: "Orders not cancelled, by the day they were placed (UTC): one chart per currency, each on its own scale; days without sales are zero.",
    columns: ["Day", "Currency", "Total", "Orders"],
    rows: report.days.map((d) => [d.day, d.currency, d.total.amount, String(d.orders)]),
    panels: currencies.map((currency, i) => ({
      name: currency,
      config: {
        type: "line",
        data: {
          labels: days,
          datasets: [
            {
              label: currency,
              data: days.map((d) => Number(byKey.get(`${d} ${currency}`)?.total.amount ?? 0)),
              borderColor: PALETTE[i % PALETTE.length],
              backgroundColor: PALETTE[i % PALETTE.length],
            },
          ],
        },
        options: {
          plugins: { legend: { display: false } },
          scales: { x: { ticks: { maxTicksLimit: 4 } }, y: { beginAtZero: true, ticks: { maxTicksLimit: 5 } } },
        },
      },
    })),
  };
}

function countFigure(title, note, rows, type, columnName) {
  return {
    title,
    note,
    columns: [columnName, "Orders"],
    rows: rows.map(([name, n]) => [name, String(n)]),
    config: {
      type,
      data: {
        labels: rows.map(([name]) => label(name)),
        datasets: [
          {
            label: "Orders",
            data: rows.map(([, n]) => n),
            backgroundColor: rows.map((_, i) => PALETTE[i % PALETTE.length]),
          },
        ],
      },
      options:
        type === "doughnut"
          ? { plugins: { legend: { position: "right" } } }
          : { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
  };
}

function productsFigure(top) {
  const products = top.products;
  return {
    title: `Top products (${top.currency}, by revenue)`,
    note: "The best-selling products in the chosen currency.",
    columns: ["Product", "Name", "Quantity", "Revenue"],
    rows: products.map((p) => [p.productId, p.name, String(p.quantity), p.revenue.amount]),
    config: {
      type: "bar",
      data: {
        labels: products.map((p) => p.name || p.productId),
        datasets: [{ label: `Revenue (${top.currency})`, data: products.map((p) => Number(p.revenue.amount)), backgroundColor: PALETTE[0] }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    },
  };
}

export function Analytics({ params }) {
  const today = day(new Date());
  const defaultFrom = day(new Date(Date.now() - (DEFAULT_DAYS - 1) * 86400000));
  const from = params.get("from") || defaultFrom;
  const to = params.get("to") || today;
  const [currency, setCurrency] = useState(params.get("currency") || "");
  const [figures, setFigures] = useState(null);
  const [message, setMessage] = useState("");

  useEffect(() => {
    let current = true;
    const range = { from: dayStart(from), to: dayAfter(to) };
    setMessage("Loading the figures…");
    (async () => {
      const get = async (path, params) => (await api(`${path}${query({ ...params, ...range })}`)).body;
      const [daily, byStatus, cancellations] = await Promise.all([
        get("/analytics/sales/daily"),
        get("/analytics/orders-by-status"),
        get("/analytics/cancellations"),
      ]);
      const currencies = [...new Set(daily.days.map((d) => d.currency))].sort();
      const chosen = currency || currencies[0] || "USD";
      const top = await get("/analytics/top-products", { currency: chosen, by: "revenue", limit: 10 });
      return {
        currencies,
        sales: salesFigure(daily, from, to),
        status: countFigure(
          "Orders by status",
          "Orders placed in the range, by their status now.",
          byStatus.statuses.map((s) => [s.status, s.orders]),
          "bar",
          "Status",
        ),
        products: productsFigure(top),
        cancellations: countFigure(
          "Cancellations by reason",
          "Orders placed in the range and cancelled since, by reason.",
          cancellations.reasons.filter((r) => r.orders > 0).map((r) => [r.reason, r.orders]),
          "doughnut",
          "Reason",
        ),
      };
    })()
      .then((result) => {
        if (!current) return;
        setFigures(result);
        setMessage(`Figures from ${from} to ${to} (UTC).`);
      })
      .catch((error) => {
        if (current) setMessage(refusal(error));
      });
    return () => {
      current = false;
    };
  }, [from, to, currency]);

  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams({ from: form.get("from"), to: form.get("to") });
    if (form.get("currency")) next.set("currency", form.get("currency"));
    setCurrency(form.get("currency") || "");
    location.hash = `#/analytics?${next}`;
  };

  return (
    <>
      <h1>Analytics</h1>
      <form class="filters inline" onSubmit={submit} aria-label="Date range">
        <div class="field">
          <label for="r-from">From</label>
          <input id="r-from" name="from" type="date" required defaultValue={from} key={`f${from}`} />
        </div>
        <div class="field">
          <label for="r-to">To (inclusive)</label>
          <input id="r-to" name="to" type="date" required defaultValue={to} key={`t${to}`} />
        </div>
        <div class="field">
          <label for="r-currency">Top products in</label>
          <select id="r-currency" name="currency" defaultValue={currency} key={`c${currency}${figures?.currencies.join()}`}>
            <option value="">the first currency with sales</option>
            {(figures?.currencies ?? []).map((c) => (
              <option value={c} key={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
      </form>
      <p class={statusClass(message)} role="status" aria-live="polite" id="analytics-status">
        {message}
      </p>
      {figures && (
        <div class="charts">
          <Figure id="chart-sales" {...figures.sales} />
          <Figure id="chart-status" {...figures.status} />
          <Figure id="chart-products" {...figures.products} />
          <Figure id="chart-cancellations" {...figures.cancellations} />
        </div>
      )}
    </>
  );
}
