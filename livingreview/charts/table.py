"""A chart as a data table: its text alternative, under it on the page.

For screen readers, keyboard users and print: every number the chart draws, in rows and columns
with their full labels, each count that holds studies a link to the studies page filtered to
them (as the chart's bars and cells are). Drawn from the Chart itself, so it always says what the
chart shows.
"""

from __future__ import annotations

from ..text.markup import esc
from .model import VALUE_TITLE, Chart, Group


def _count(group: Group, page: str) -> str:
    if group.count and group.query:
        return f'<td><a href="{esc(page + group.query)}">{group.count:,}</a></td>'
    return f"<td>{group.count:,}</td>"


def chart_table_html(chart: Chart, page: str) -> str:
    """The chart's numbers as a table a reader can open under it; counts link to `page` + query."""
    if chart.empty:
        return f'<details class="lr-figure-data"><summary>Data table</summary><p>{esc(chart.message)}.</p></details>'
    headers: list[str] = []
    columns: list[list[Group]] = []
    if chart.bars is not None:
        headers.append(VALUE_TITLE)
        columns.append(list(chart.bars))
    if chart.matrix is not None:
        headers += [column.label for column in chart.matrix.columns]
        columns += [list(cells) for cells in zip(*chart.matrix.cells)]
    corner = chart.row_title
    if chart.bars is None:
        corner = f"{chart.row_title} \\ {chart.matrix.title}"
    head = f"<th scope='col'>{esc(corner)}</th>" + "".join(f"<th scope='col'>{esc(h)}</th>" for h in headers)
    body = "".join(
        f"<tr><th scope='row'>{esc(row.label)}</th>" + "".join(_count(column[i], page) for column in columns) + "</tr>"
        for i, row in enumerate(chart.rows)
    )
    return (
        '<details class="lr-figure-data"><summary>Data table</summary>'
        f'<div class="lr-table-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>'
    )
