from .urls_authoring import urlpatterns as authoring_urlpatterns
from .urls_authoring_publish import urlpatterns as authoring_publish_urlpatterns
from .urls_authoring_xlsform import urlpatterns as authoring_xlsform_urlpatterns
from .urls_coordinator import urlpatterns as coordinator_urlpatterns
from .urls_exchange import urlpatterns as exchange_urlpatterns
from .urls_focal_point import urlpatterns as focal_point_urlpatterns

app_name = "questionnaires"
urlpatterns = [
    *focal_point_urlpatterns,
    *coordinator_urlpatterns,
    *authoring_urlpatterns,
    *authoring_publish_urlpatterns,
    *exchange_urlpatterns,
    *authoring_xlsform_urlpatterns,
]
