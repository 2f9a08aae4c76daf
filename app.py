"""The Observatório web app: builds the Dash multipage app and its Flask server (`app:server`)."""
from __future__ import annotations

import flask
from dash import Dash, page_container

import api.routes
import live.web
from serving import data
from web import delivery, http_guard, share, ui
from core.i18n import HTML_LANG, lang_of

INDEX = """<!DOCTYPE html>
<html lang="{html_lang}">
    <head>
        {%metas%}
        {social}
        {%favicon%}
        {%css%}
        {preload}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


class ObservatorioDash(Dash):
    """Dash with `<html lang>` set from `?lang=` on the served page (pt-PT by default), and each page's
    `<title>` and social preview (Open Graph, Twitter card) written by the server (web.share.page_meta):
    crawlers do not run JavaScript. Absolute URLs come from OBS_BASE_URL, never the Host header."""

    def interpolate_index(self, **kwargs):
        html = super().interpolate_index(**kwargs)
        lang, preload, social = "pt", "", share.head_tags(share.page_meta("/"))
        if flask.has_request_context():
            req = flask.request
            lang = lang_of(req.args.get("lang"))
            preload = ui.preload_links(req.path, req.args)
            social = share.head_tags(share.page_meta(req.path, req.args.to_dict()))
        html = html.replace("{preload}", preload, 1).replace("{social}", social, 1)
        return html.replace('<html lang="{html_lang}">', f'<html lang="{HTML_LANG[lang]}">', 1)


app = ObservatorioDash(
    __name__, use_pages=True, title="Observatório", update_title=None, suppress_callback_exceptions=True,
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    compress=False, include_pages_meta=False,  # the social preview is share.head_tags, from OBS_BASE_URL
)
app.index_string = INDEX
server = app.server
data.cache.init_app(server)
api.routes.init_app(server)
http_guard.install(app)  # body limit, callback input checks, /health, 503 without data, security headers
live.web.install(app)    # issue 13: /ngsi-ld/v1/notify, /feeds/alarmes.atom, live alarms in every alarm list
app.layout = ui.shell_layout(page_container)


@server.route("/geo/<digest>/<name>")
@server.route("/geo/<digest>/<variant>/<name>")
def geo_layer(digest: str, name: str, variant: str | None = None):
    """A web boundary layer (or its variant with the islands inset), served once and cached for a
    year: the URL carries the content hash."""
    layer = data.geo_layer(name)
    if layer is None or variant not in (None, "inset") or (variant and not layer["inset"]):
        flask.abort(404)
    if digest != layer["hash"]:  # an old URL: send the browser to the current file
        return flask.redirect(layer["inset_url"] if variant else layer["url"], 302)
    body = layer["inset"] if variant else layer
    gz = "gzip" in flask.request.headers.get("Accept-Encoding", "")
    resp = flask.Response(body["gzip"] if gz else body["bytes"], mimetype="application/geo+json")
    if gz:
        resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    resp.headers["ETag"] = layer["hash"]
    return resp


@server.route("/og/site.png")
@server.route("/og/<kind>/<ident>.png")
def social_card(kind: str = "site", ident: str = ""):
    """The 1200 × 630 preview image of the site, an indicator or a territory (Open Graph / Twitter)."""
    if kind not in ("site", "indicador", "territorio") or len(ident) > 64:
        flask.abort(404)
    png = share.card_for(kind, ident, lang_of(flask.request.args.get("lang")))
    if png is None:
        flask.abort(404)
    resp = flask.Response(png, mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


@server.before_request
def page_status():
    """Direct loads of an unknown page/indicator/territory get a real 404, bad parameters a 400;
    the body is still the app, which renders the helpful message."""
    req = flask.request
    accept = req.headers.get("Accept", "*/*")
    if req.method != "GET" or not ("text/html" in accept or "*/*" in accept):
        return None
    args = {k: v[0] if len(v) == 1 else v for k, v in req.args.to_dict(flat=False).items()}
    status = ui.http_status(req.path, args)
    if status != 200:
        return app.index(), status
    return None


delivery.install(app)  # compression, Cache-Control, leaner pages (after the other after_request hooks)

if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["precompress"]:   # `make serve`: compress the static files once (web.delivery)
        delivery.precompress(sys.modules[__name__])
    else:
        app.run(debug=False, host="127.0.0.1", port=int(__import__("os").environ.get("PORT", "8050")))
