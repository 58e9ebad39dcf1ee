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
    per-variable cost over them was a large share of the form page."""
    input_class = "form-check-input is-invalid" if field.errors else "form-check-input"
    input_type = field.field.widget.input_type
    return format_html_join(
        "\n",
        '<div class="form-check"><input class="{}" type="{}" name="{}" value="{}" id="{}"{}>'
        '<label class="form-check-label" for="{}"{}>{}</label></div>',
        (
            (
                input_class,
                input_type,
                field.html_name,
                option.data["value"],
                option.id_for_label,
                mark_safe(" checked") if option.data["selected"] else "",  # noqa: S308 - a constant
                option.id_for_label,
                format_html(' title="{}"', option.data["description"]) if option.data.get("description") else "",
                option.choice_label,
            )
            for option in field.subwidgets
        ),
    )
