"""Swagger UI and ReDoc served by the app itself, from assets pinned in `fastapi-offline`.

FastAPI's defaults load these from a public CDN, which leaves the pages blank on a machine
with no internet access; here nothing leaves the server.
"""

import json
from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_PATH = "/_assets"
SWAGGER_PARAMETERS = {
    "deepLinking": True,
    "displayRequestDuration": True,
    "docExpansion": "list",
    "filter": True,
    "tryItOutEnabled": True,
    "persistAuthorization": True,
    "defaultModelsExpandDepth": 0,
}


# Within a tag: lists (and their downloads), then a record, then its history, then writes
# (create, correct, delete, add a citation). Equal ranks keep the spec's order.
OPERATIONS_SORTER = """function (a, b) {
  const rank = (op) => {
    const method = op.get("method"), path = op.get("path");
    if (method === "get") return path.endsWith("/history") ? 2 : path.endsWith("}") ? 1 : 0;
    return 3 + ["post", "patch", "delete"].indexOf(method) + (path.endsWith("/citations") ? 3 : 0);
  };
  return rank(a) - rank(b);
}"""
SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
<title>{title}</title></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
const parameters = {parameters};
window.ui = SwaggerUIBundle(Object.assign(parameters, {{
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  operationsSorter: {sorter},
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
}}));
</script></body></html>"""


# ReDoc's bundle links its logo from a CDN: the bundle is served with that link pointing at
# the app's own icon (`redoc_bundle`), and the policy would keep the browser from trying.
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
)


def _self_contained(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return page


def redoc_bundle(logo: str = f"{ASSETS_PATH}/favicon.png") -> bytes:
    """ReDoc's bundle with its logo at `logo` (served by the app, or beside the docs site's
    copy): the browser would log a blocked request to the CDN on every page as a console
    error (the browser tests fail on one)."""
    bundle = (ASSETS / "redoc.standalone.js").read_bytes()
    return bundle.replace(REDOC_LOGO, logo.encode())


def install_docs(app: FastAPI) -> None:
    redoc_js = redoc_bundle()

    @app.get(f"{ASSETS_PATH}/redoc.standalone.js", include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(redoc_js, media_type="text/javascript; charset=utf-8")

    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = SWAGGER_PAGE.format(
            assets=ASSETS_PATH,
            title=escape(f"{app.title} — Swagger UI"),
            parameters=json.dumps(SWAGGER_PARAMETERS).replace("</", "<\\/"),
            sorter=OPERATIONS_SORTER,
        )
        return _self_contained(HTMLResponse(page))

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        return _self_contained(page)

    icon = (ASSETS / "favicon.png").read_bytes()

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(icon, media_type="image/png")
