"""A tutorial-style Dash choropleth on the Observatório's data: the yardstick of bench/bench_network.py.

What a Dash tutorial would write (default Dash settings, no compression, plotly.js from the package):
one indicator's latest values per municipality from the built database, the web boundary layer
from $OBS_DATA_DIR/geo, `px.choropleth_map` in a `dcc.Graph` (blank `white-bg` style like the
app: no tiles fetched).

    .venv/bin/gunicorn --no-control-socket -w 2 -b 127.0.0.1:8060 bench.tutorial_app:server
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import plotly.express as px
from dash import Dash, dcc, html

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("OBS_DATA_DIR") or ROOT / "data")
DB = Path(os.environ.get("OBS_DB") or DATA_DIR / "observatorio.duckdb")
INDICATOR = os.environ.get("TUTORIAL_INDICATOR", "indice_envelhecimento")

geojson = json.loads((DATA_DIR / "geo" / "municipios.geojson").read_text(encoding="utf-8"))
with duckdb.connect(str(DB), read_only=True) as con:
    df = con.execute(
        """SELECT v.territory_id AS dico, t.name, v.value FROM fact_indicator_value v
           JOIN dim_territory t USING (territory_id)
           WHERE v.indicator_id = ? AND t.level = 'municipio'
             AND v.period_id = (SELECT max(period_id) FROM fact_indicator_value WHERE indicator_id = ?)""",
        [INDICATOR, INDICATOR]).df()

fig = px.choropleth_map(df, geojson=geojson, locations="dico", color="value", hover_name="name",
                        center={"lat": 39.6, "lon": -8.0}, zoom=5.5, map_style="white-bg")
fig.update_layout(margin={"r": 0, "t": 0, "l": 0, "b": 0})

app = Dash(__name__)
app.layout = html.Div([html.H1(f"{INDICATOR} por município"), dcc.Graph(id="map", figure=fig, style={"height": "80vh"})])
server = app.server

if __name__ == "__main__":
    app.run(debug=False)
