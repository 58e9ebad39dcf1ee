"""Template filters of the response form (templates/questionnaires/includes/answer_field.html)."""

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def answer_widget(field: BoundField) -> str:
    """The field's input with Bootstrap's classes, `is-invalid` when its answer has an error. Django itself
    adds aria-invalid and aria-describedby (help text, then errors) to the input."""
    return field.as_widget(attrs={"class": "form-control is-invalid" if field.errors else "form-control"})


@register.filter
def choice_inputs(field: BoundField) -> str:
    """The options of a choice grid (checkboxes) or a single choice (radio buttons), each a Bootstrap
    form-check with its label; the option's full title (`Choice.description`) as the label's title.
    Built here rather than by a template loop: the 2023 form has 80 options, and the template engine's
    per-variable cost over them was a large share of the form page. From the field's choices rather than
    Django's `subwidgets`, which build a dict of attributes per option: the same ids (`<auto_id>_<index>`)
    and the same options ticked as the widget's own rendering (a single choice's "No answer", value "",
    when nothing is chosen)."""
    widget = field.field.widget
    input_class = "form-check-input is-invalid" if field.errors else "form-check-input"
    value = field.value()
    if widget.allow_multiple_selected:
        ticked = {str(code) for code in value or ()}
    else:
        ticked = {"" if value is None else str(value)}
    descriptions = getattr(widget, "descriptions", {})
    rows = []
    for index, (code, label) in enumerate(field.field.choices):
        option_id = f"{field.auto_id}_{index}"
        description = descriptions.get(str(code))
        rows.append(
            (
                input_class,
                widget.input_type,
                field.html_name,
                code,
                option_id,
                mark_safe(" checked") if str(code) in ticked else "",  # noqa: S308 - a constant
                option_id,
                format_html(' title="{}"', description) if description else "",
                label,
            )
        )
        if not widget.allow_multiple_selected and str(code) in ticked:
            ticked = set()  # a radio group ticks its first match only, as Django's widget does
    return format_html_join(
        "\n",
        '<div class="form-check"><input class="{}" type="{}" name="{}" value="{}" id="{}"{}>'
        '<label class="form-check-label" for="{}"{}>{}</label></div>',
        rows,
    )
