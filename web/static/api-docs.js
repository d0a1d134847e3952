// The browsable API reference (/api/v1/docs): Swagger UI served by Kho itself, reading the
// OpenAPI document generated from the code. No CDN, no inline script, no validator badge.
(function () {
  "use strict";
  var node = document.getElementById("api-docs");
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec"),
    domNode: node,
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
})();
