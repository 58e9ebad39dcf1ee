"""Measure the semantic tag suggestions on the demo's practices that name their objectives (see
practices/evaluation.py and docs/practices.md). Needs the optional `[semantic]` extra."""

from django.core.management.base import BaseCommand, CommandError

from practices import semantic
from practices.evaluation import chance, demo_cases, evaluate


class Command(BaseCommand):
    help = (
        "How often the objectives (SDGs) a demo practice names are among the top suggestions once the mention "
        "is removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--top", default="3", help="sizes of the suggestion lists, comma-separated (default 3)")
        parser.add_argument("--details", action="store_true", help="one line per practice")

    def handle(self, *args, **options):
        if not semantic._installed():
            raise CommandError('The model is not installed: pip install ".[semantic]".')

        def rank(texts, kind):
            return [[code for code, _score in ranked] for ranked in semantic.rank(texts, kind)]

        for kind, name in (("gcm", "GCM objectives"), ("sdg", "SDGs")):
            cases = demo_cases(kind)
            for top in [int(value) for value in options["top"].split(",")]:
                result = evaluate(cases, kind, rank=rank, top=top)
                self.stdout.write(
                    f"{name}, top {top}: {result.hits} of {result.practices} practices have a named one among the "
                    f"suggestions ({result.hit_rate:.0%}); {result.found} of {result.named} named ones found "
                    f"({result.recall:.0%})"
                )
                chance_hits, chance_recall = chance(cases, kind, top=top)
                self.stdout.write(
                    f"  (at random: {chance_hits:.0%} of the practices, {chance_recall:.0%} of the named ones)"
                )
                if options["details"] and top == int(options["top"].split(",")[0]):
                    for case, codes in result.rows:
                        mark = "+" if set(case.named) & set(codes) else "-"
                        self.stdout.write(
                            f"  {mark} {case.iscm:<14} named {','.join(case.named):<12} "
                            f"suggested {','.join(codes):<10} {case.text[:70]}"
                        )
