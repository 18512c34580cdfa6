// Swagger UI for the running service: it reads the API description from this server
// (GET /openapi.yaml), and "Try it out" calls this server too (the description's first
// `servers` entry is `/`). "Authorize" takes an access token for the bearerAuth scheme
// (from POST /api/auth/login) and keeps it across page reloads.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.yaml",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: false,
    displayRequestDuration: true,
    // No badge from validator.swagger.io: the page's Content-Security-Policy allows images from
    // this origin (and data: URLs) only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
  });
};
