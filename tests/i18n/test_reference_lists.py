"""The SDG and GCM lists in French, Spanish and Arabic, as the UN words them."""

import csv

import pytest
from django.utils import translation

from questionnaires.definitions import DATA_DIR, REFERENCE_LISTS, reference_lists_load
from questionnaires.models import Choice, localized

SDG_8 = {
    "en": ("Decent work and economic growth", "Promote sustained, inclusive and sustainable economic growth"),
    "fr": ("Travail décent et croissance économique", "Promouvoir une croissance économique soutenue, partagée"),
    "es": ("Trabajo decente y crecimiento económico", "Promover el crecimiento económico sostenido, inclusivo"),
    "ar": ("العمل اللائق ونمو الاقتصاد", "تعزيز النمو الاقتصادي المطرد والشامل للجميع والمستدام"),
}
GCM_23 = {
    "en": ("International cooperation and partnerships", "Strengthen international cooperation and global"),
    "fr": ("Coopération internationale et partenariats", "Renforcer la coopération internationale et les partenariats"),
    "es": ("Cooperación internacional y alianzas mundiales", "Fortalecer la cooperación internacional y las alianzas"),
    "ar": ("التعاون الدولي والشراكات العالمية", "تعزيز التعاون الدولي والشراكات العالمية من أجل الهجرة"),
}


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_sdg_8_and_gcm_objective_23_in_each_language_after_load_demo(demo, language):
    reference_lists_load()  # what load_demo runs; the demo fixture ran it already
    sdg_8 = Choice.objects.get(choice_list__code="sdg", code="8")
    gcm_23 = Choice.objects.get(choice_list__code="gcm", code="23")

    with translation.override(language):
        assert sdg_8.label == SDG_8[language][0]
        assert sdg_8.description.startswith(SDG_8[language][1])
        assert gcm_23.label == GCM_23[language][0]
        assert gcm_23.description.startswith(GCM_23[language][1])


def test_official_full_titles_of_sdg_8_and_gcm_objective_23(db):
    reference_lists_load()
    sdg_8 = Choice.objects.get(choice_list__code="sdg", code="8")
    gcm_23 = Choice.objects.get(choice_list__code="gcm", code="23")

    assert sdg_8.description_fr == (
        "Promouvoir une croissance économique soutenue, partagée et durable, le plein emploi productif "
        "et un travail décent pour tous"
    )
    assert sdg_8.description_es == (
        "Promover el crecimiento económico sostenido, inclusivo y sostenible, el empleo pleno y productivo "
        "y el trabajo decente para todos"
    )
    assert gcm_23.description_fr == (
        "Renforcer la coopération internationale et les partenariats mondiaux pour des migrations sûres, "
        "ordonnées et régulières"
    )
    assert gcm_23.description_es == (
        "Fortalecer la cooperación internacional y las alianzas mundiales para la migración segura, ordenada y regular"
    )
    assert gcm_23.description_ar == "تعزيز التعاون الدولي والشراكات العالمية من أجل الهجرة الآمنة والمنظمة والنظامية"


def test_every_goal_and_objective_has_its_three_translations(db):
    reference_lists_load()

    for code, expected in (("sdg", 17), ("gcm", 23)):
        choices = list(Choice.objects.filter(choice_list__code=code))
        assert len(choices) == expected
        for choice in choices:
            for language in ("fr", "es", "ar"):
                label = getattr(choice, f"label_{language}")
                description = getattr(choice, f"description_{language}")
                assert label and description, (code, choice.code, language)
                assert label != choice.label_en and description != choice.description_en


@pytest.mark.parametrize("filename", [filename for _name, filename in REFERENCE_LISTS.values()])
@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_translation_files_have_the_columns_and_numbers_of_the_english_file(filename, language):
    def read(path):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            return reader.fieldnames, [row["number"] for row in reader]

    english = read(DATA_DIR / filename)
    translated = read(DATA_DIR / filename.replace(".csv", f".{language}.csv"))

    assert translated == english
    assert english[0] == ["number", "short_title", "full_title", "source"]


def test_loading_the_lists_twice_changes_nothing(db):
    reference_lists_load()
    before = list(Choice.objects.filter(choice_list__isnull=False).order_by("pk").values())

    reference_lists_load()

    assert list(Choice.objects.filter(choice_list__isnull=False).order_by("pk").values()) == before


def test_a_missing_translation_falls_back_to_english(db):
    reference_lists_load()
    sdg_8 = Choice.objects.get(choice_list__code="sdg", code="8")
    sdg_8.label_es = ""
    sdg_8.description_ar = ""

    assert localized(sdg_8, "label", "es") == "Decent work and economic growth"
    assert localized(sdg_8, "label", "fr") == "Travail décent et croissance économique"
    assert localized(sdg_8, "description", "ar") == sdg_8.description_en
    with translation.override("es"):
        assert sdg_8.label == "Decent work and economic growth"
    with translation.override("fr-ca"):  # a regional variant uses its language's text
        assert sdg_8.label == "Travail décent et croissance économique"
    with translation.override("de"):  # not one of ours
        assert sdg_8.label == "Decent work and economic growth"


def test_corrected_titles_follow_the_un_resolutions(db):
    reference_lists_load()
    gcm_12 = Choice.objects.get(choice_list__code="gcm", code="12")
    sdg_1 = Choice.objects.get(choice_list__code="sdg", code="1")
    sdg_5 = Choice.objects.get(choice_list__code="sdg", code="5")

    # The French of A/RES/73/195: the procedures' invariability, not their "execution".
    assert gcm_12.description_fr == (
        "Veiller à l’invariabilité et à la prévisibilité des procédures migratoires pour assurer des contrôles, "
        "des évaluations et une orientation appropriés"
    )
    # Spanish: every goal in the wording of A/RES/70/1, none in the website's.
    assert sdg_1.description_es == "Poner fin a la pobreza en todas sus formas y en todo el mundo"
    assert sdg_5.description_es == "Lograr la igualdad de género y empoderar a todas las mujeres y las niñas"


@pytest.mark.parametrize("filename", [filename for _name, filename in REFERENCE_LISTS.values()])
@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_every_row_names_its_source_resolution_and_page(filename, language):
    path = DATA_DIR / (filename if language == "en" else filename.replace(".csv", f".{language}.csv"))
    resolution = "A/RES/70/1" if filename.startswith("sdg") else "A/RES/73/195"
    with path.open(encoding="utf-8", newline="") as handle:
        sources = [row["source"] for row in csv.DictReader(handle)]
    assert sources and all(
        source.startswith(resolution) and source.endswith(f"https://undocs.org/{language}/{resolution}")
        for source in sources
    )
