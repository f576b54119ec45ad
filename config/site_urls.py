"""Site-wide pages outside any app namespace: login, logout, the home page per role, language switch."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from shortages.views.home import home
from stock.login_throttle import ThrottledAuthenticationForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", home, name="home"),
]
