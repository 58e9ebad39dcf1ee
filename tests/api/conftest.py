"""The API tests share the security tests' demo (loaded once per module) and their six roles."""

import pytest
from django.core.cache import cache

from api.services import api_token_create
from tests.security.conftest import demo_module, world  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the throttle counts in the cache: every test starts with none used
    yield
    cache.clear()


@pytest.fixture
def token_of(world):  # noqa: F811
    """A new personal token of a role's user: the Authorization header for the test client."""

    def make(role: str, **kwargs) -> dict[str, str]:
        _token, key = api_token_create(user=world.users[role], name=f"{role} test", **kwargs)
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return make
