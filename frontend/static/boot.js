// Loads the WebAssembly module; its `main` mounts the app on <body>.
// Kept out of index.html so that the Content-Security-Policy needs no
// 'unsafe-inline' for scripts.
import init from "/app.js";

init().catch((error) => {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.setAttribute("data-testid", "wasm-load-error");
  message.textContent = `The app could not start: ${error}. Rebuild it with frontend/build.sh.`;
  document.body.append(message);
});
