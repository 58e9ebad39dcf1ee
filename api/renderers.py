"""`?format=csv` on every list, for Excel's Data › From Web and Power BI: one row per object.

Text cells get the same protection against formula injection as the CSV exports (`csv_safe`);
numbers are written as numbers. A paginated list writes its page (`page_size` up to the maximum).
"""

from __future__ import annotations

import csv
import io

from rest_framework.renderers import BaseRenderer

from questionnaires.csv_io import csv_safe


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        response = (renderer_context or {}).get("response")
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if response is not None and response.status_code >= 400 or not isinstance(data, list):
            # An error (or a single object): its fields as one row, so Excel shows the message.
            data = [data] if isinstance(data, dict) else []
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        columns: list[str] = list(data[0]) if data else []
        if columns:
            writer.writerow(columns)
        for row in data:
            writer.writerow([_cell(row.get(column)) for column in columns])
        return out.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_safe(value)
    if isinstance(value, list | dict):
        return csv_safe(str(value))
    return value
