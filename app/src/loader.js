// Brings the page's islands to life. A classic script at the top of <head>, so it runs as soon as
// the browser reads it: it starts fetching the WASM bundle and importing its JS glue (which a
// `modulepreload` link already asked for) at once, and hydrates the islands when both the bundle
// and the document are ready. (Leptos's own islands script is a module script, which runs only
// after the stylesheets and the document, and then waits for the browser to be idle: the page
// stays inert for a hundred milliseconds or more after it appears.)
//
// The islands that only some pages show are lazy (`#[island(lazy)]`): `cargo leptos … --split`
// puts each in a WASM chunk of its own, which its hydrate function fetches when the page has one,
// so the bundle every page loads holds only the runtime and the islands most pages show.
(async (jsUrl, wasmUrl) => {
  const wasm = fetch(wasmUrl);
  const parsed =
    document.readyState === 'loading'
      ? new Promise((resolve) => document.addEventListener('DOMContentLoaded', resolve, { once: true }))
      : Promise.resolve();
  const bundle = await import(jsUrl).catch((error) => {
    // The bundle imports the chunk loader `--split` writes; without it the import fails.
    throw new Error(`The islands' bundle did not load (built without \`--split\`?): ${error}`);
  });
  await bundle.default({ module_or_path: wasm });
  await parsed;
  bundle.hydrate();
  // As Leptos's script does it: islands in document order; an island inside <leptos-children>
  // (the server-rendered children of another island) first calls the hook its parent left there.
  const childrenHooks = [];
  const hydrations = [];
  const visit = (node) => {
    const tag = node.tagName.toLowerCase();
    if (tag === 'leptos-island') {
      const hydrateIsland = bundle[node.dataset.component];
      // An island that works only with something the browser may lack (a wallet) sits in a
      // container naming it (`data-island-needs="ethereum solana"`, properties of `window`):
      // without any of them it stays as the server rendered it, and its chunk is never fetched.
      const needs = node.closest('[data-island-needs]')?.dataset.islandNeeds.split(' ');
      if (needs && !needs.some((name) => window[name])) {
      } else if (hydrateIsland) {
        childrenHooks.at(-1)?.();
        // A lazy island hydrates once its chunk arrives. A chunk that cannot be fetched leaves
        // its island as the server rendered it (its forms still post) and the console says why;
        // Leptos's chunk loader then panics instead of rejecting, so that island never settles.
        hydrations.push(hydrateIsland(node));
      } else {
        console.warn(`The WASM bundle has no island ${node.dataset.component}.`);
      }
    }
    const children = tag === 'leptos-children';
    if (children) childrenHooks.push(node.$$on_hydrate);
    for (const child of node.children) visit(child);
    if (children) childrenHooks.pop();
  };
  visit(document.body);
  // Every island is live: `<html data-hydrated>`, which the tests and the benchmark wait for.
  await Promise.all(hydrations);
  document.documentElement.dataset.hydrated = 'true';
})
