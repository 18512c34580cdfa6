// Checks an HTTP response against docs/openapi.yaml: the operation exists, the status is
// documented for it, the content type is one it declares, and a JSON body matches the response
// schema (JSON Schema 2020-12, as OpenAPI 3.1 uses; ajv compiles it from the document itself).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const YAML = require("yaml");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const DOC_ID = "openapi.json";

function escapePointer(token) {
  return String(token).replace(/~/g, "~0").replace(/\//g, "~1");
}

class OpenApiValidator {
  constructor(file = path.resolve(__dirname, "../../docs/openapi.yaml")) {
    this.doc = YAML.parse(fs.readFileSync(file, "utf8"));
    // strict: false lets OpenAPI's own keywords (example, discriminator, xml) pass.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, DOC_ID);
    this.cache = new Map();
    // Literal paths win over templated ones (/api/users/me before /api/users/{id}).
    this.routes = Object.keys(this.doc.paths)
      .map((template) => ({
        template,
        params: (template.match(/\{/g) || []).length,
        regex: new RegExp(
          "^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
      }))
      .sort((a, b) => a.params - b.params);
  }

  resolve(pointer) {
    return pointer.split("/").slice(1).reduce((node, token) =>
      node[token.replace(/~1/g, "/").replace(/~0/g, "~")], this.doc);
  }

  // Problems with one exchange, as strings; [] when it matches the document.
  check({ method, path: urlPath, status, contentType, body }) {
    const lower = method.toLowerCase();
    if (lower === "options") return [];  // answered by the server for every path (CORS)
    // An unknown path must be the generic 404, a known path with another method the 405.
    const pathMatch = this.routes.find((r) => r.regex.test(urlPath));
    const route = this.routes.find((r) => r.regex.test(urlPath) && this.doc.paths[r.template][lower]);
    let where;
    let pointer;
    if (!route) {
      const expected = pathMatch ? 405 : 404;
      where = `${method} ${urlPath} → ${status}`;
      if (status !== expected) {
        return [`${where}: ${pathMatch ? "method" : "path"} not in docs/openapi.yaml, so ${expected} was expected`];
      }
      pointer = `/components/responses/${expected === 404 ? "NotFound" : "MethodNotAllowed"}`;
    } else {
      where = `${method} ${route.template} → ${status}`;
      const responses = this.doc.paths[route.template][lower].responses || {};
      const key = [String(status), `${String(status)[0]}XX`, "default"].find((k) => responses[k]);
      if (!key) return [`${where}: status not documented`];
      pointer = `/paths/${escapePointer(route.template)}/${lower}/responses/${escapePointer(key)}`;
    }
    let response = this.resolve(pointer);
    if (response.$ref) {
      pointer = response.$ref.slice(1);
      response = this.resolve(pointer);
    }
    const content = response.content || {};
    const hasBody = body !== undefined && body.length > 0;
    if (!hasBody) return [];  // 204, 304, or an empty answer: nothing to match
    if (Object.keys(content).length === 0) return [`${where}: a body, but none is documented`];
    const type = (contentType || "").split(";")[0].trim().toLowerCase();
    if (!content[type]) {
      return [`${where}: content type '${type}' not documented (${Object.keys(content).join(", ")})`];
    }
    const schema = content[type].schema;
    if (!schema || !(type === "application/json" || type.endsWith("+json"))) return [];
    let data;
    try {
      data = JSON.parse(body);
    } catch (e) {
      return [`${where}: body is not JSON (${e.message})`];
    }
    const ref = `${DOC_ID}#${pointer}/content/${escapePointer(type)}/schema`;
    let validate = this.cache.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.cache.set(ref, validate);
    }
    if (validate(data)) return [];
    return validate.errors.slice(0, 5).map((e) =>
      `${where}: body${e.instancePath} ${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
  }
}

module.exports = { OpenApiValidator };
