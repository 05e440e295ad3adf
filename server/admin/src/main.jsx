// The staff dashboard: sign-in, then orders, one order, analytics, webhooks and one webhook
// subscription, chosen by the URL hash (#/orders, #/orders/<id>, #/analytics, #/webhooks,
// #/webhooks/<id>) so the server needs no fallback route.
import "./style.css";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.js";
import { Analytics } from "./analytics.jsx";
import { Order } from "./order.jsx";
import { Orders } from "./orders.jsx";
import { SignIn } from "./signin.jsx";
import { Webhook } from "./webhook.jsx";
import { Webhooks } from "./webhooks.jsx";

/** The current hash as a path and its query parameters. */
function readHash() {
  const raw = location.hash.replace(/^#/, "") || "/orders";
  const [path, search = ""] = raw.split("?");
  return { path, params: new URLSearchParams(search) };
}

function useRoute() {
  const [route, setRoute] = useState(readHash);
  useEffect(() => {
    const changed = () => setRoute(readHash());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function Page({ route }) {
  const match = route.path.match(/^\/orders\/([^/]+)$/);
  if (match) return <Order id={decodeURIComponent(match[1])} />;
  const hook = route.path.match(/^\/webhooks\/([^/]+)$/);
  if (hook) return <Webhook id={decodeURIComponent(hook[1])} />;
  if (route.path === "/webhooks") return <Webhooks />;
  if (route.path === "/analytics") return <Analytics params={route.params} />;
  return <Orders params={route.params} />;
}

/** After moving to another page, puts the keyboard (and a screen reader) at its heading. */
function useFocusOnNavigation(path) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector("main h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [path]);
}

function App() {
  const route = useRoute();
  useFocusOnNavigation(route.path);
  const [session, setSession] = useState(undefined);
  const check = () =>
    api("/admin/session")
      .then(({ body }) => setSession(body))
      .catch(() => setSession(null));
  useEffect(() => {
    check();
  }, []);
  const signOut = async () => {
    await api("/admin/session", { method: "DELETE" }).catch(() => {});
    setSession(null);
  };
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={check} />;
  const section = ["analytics", "webhooks"].find((name) => route.path.startsWith(`/${name}`)) ?? "orders";
  return (
    <>
      <header class="top">
        <p class="brand">Orderly staff</p>
        <nav aria-label="Sections">
          <a href="#/orders" aria-current={section === "orders" ? "page" : undefined}>
            Orders
          </a>
          <a href="#/analytics" aria-current={section === "analytics" ? "page" : undefined}>
            Analytics
          </a>
          <a href="#/webhooks" aria-current={section === "webhooks" ? "page" : undefined}>
            Webhooks
          </a>
        </nav>
        <p class="who">
          Signed in as <strong>{session.sub}</strong>{" "}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </p>
      </header>
      <main id="main">
        <Page route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("app"));
