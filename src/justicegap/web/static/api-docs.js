// The API reference: Swagger UI from the package (swagger-ui-bundle), never a CDN; no validator
// badge (it would call a server elsewhere). The page around it gives the language, landmarks and h1.
(function () {
  const el = document.getElementById("swagger-ui");
  if (!el || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: el.dataset.openapi, domNode: el, deepLinking: false, validatorUrl: null,
    defaultModelsExpandDepth: -1, docExpansion: "list", syntaxHighlight: false,
    presets: [window.SwaggerUIBundle.presets.apis], layout: "BaseLayout",
    onComplete: () => { document.documentElement.dataset.docsReady = "1"; },
  });
})();
