"""factory_boy factories for the people and things in every story."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from questionnaires.models import (
    Campaign,
    Choice,
    Invitation,
    Iscm,
    Membership,
    Question,
    Questionnaire,
    Response,
    Section,
)
from questionnaires.roles import COORDINATOR, OBSERVER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()


def coordinator_create(**kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=COORDINATOR))
    return user


def observer_create(**kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=OBSERVER))
    return user


class IscmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Iscm
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ISCM{n}")
    name = factory.LazyAttribute(lambda o: f"Migration Dialogue {o.acronym}")
    type = Iscm.Type.RCP
    region = "Africa"
    founded = 2001


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    iscm = factory.SubFactory(IscmFactory)


def focal_point_create(iscm, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, iscm=iscm)
    return user


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    slug = factory.Sequence(lambda n: f"questionnaire-{n}")
    version = 1
    title_en = "Test questionnaire"
    status = Questionnaire.Status.DRAFT


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(int)
    title_en = "Section"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    questionnaire = factory.SelfAttribute("section.questionnaire")
    position = factory.Sequence(int)
    code = factory.Sequence(lambda n: f"q{n}")
    type = Question.Type.SHORT_TEXT
    label_en = factory.LazyAttribute(lambda o: f"Question {o.code}")


def choices_create(question, codes):
    return [
        Choice.objects.create(question=question, code=code, label_en=f"Choice {code}", position=index)
        for index, code in enumerate(codes, start=1)
    ]


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    title_en = "Test campaign"
    questionnaire = factory.SubFactory(QuestionnaireFactory, status=Questionnaire.Status.PUBLISHED)
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))


def invite(campaign, *iscms):
    for iscm in iscms:
        Invitation.objects.get_or_create(campaign=campaign, iscm=iscm)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    campaign = factory.SubFactory(CampaignFactory)
    iscm = factory.SubFactory(IscmFactory)
