# Assembles the folder the service serves /openapi.yaml and /docs from (STATIC_DIR; by default
# the `static` folder next to the executable):
#   <OUT>/openapi.yaml          docs/openapi.yaml
#   <OUT>/docs/index.html       docs/swagger-ui/index.html (our page)
#   <OUT>/docs/swagger-initializer.js
#   <OUT>/docs/<asset>          the Swagger UI files from node_modules/swagger-ui-dist (npm ci)
# Run as a script at every build (cmake -P), copying only what changed, so an edit of
# docs/openapi.yaml or a later `npm ci` reaches the next build.
#
# Inputs: -DSOURCE_DIR=<repo root> -DSWAGGER_UI_DIR=<swagger-ui-dist folder> -DOUT=<folder>
cmake_minimum_required(VERSION 3.25)

set(assets swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js index.css
           favicon-16x16.png favicon-32x32.png)

file(MAKE_DIRECTORY ${OUT}/docs)
file(COPY_FILE ${SOURCE_DIR}/docs/openapi.yaml ${OUT}/openapi.yaml ONLY_IF_DIFFERENT)
foreach(name index.html swagger-initializer.js)
  file(COPY_FILE ${SOURCE_DIR}/docs/swagger-ui/${name} ${OUT}/docs/${name} ONLY_IF_DIFFERENT)
endforeach()

if(NOT EXISTS ${SWAGGER_UI_DIR}/swagger-ui-bundle.js)
  message(WARNING "static assets: ${SWAGGER_UI_DIR} not found; run `npm ci` for the Swagger UI "
                  "at /docs (/openapi.yaml is served without it)")
  return()
endif()
foreach(name ${assets})
  file(COPY_FILE ${SWAGGER_UI_DIR}/${name} ${OUT}/docs/${name} ONLY_IF_DIFFERENT)
endforeach()
