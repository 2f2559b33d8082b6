from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("oppakken/", views.pick_up, name="pick_up"),
    path("niet-oppakken/", views.not_picked_up, name="not_picked_up"),
    path("brieftekst/", views.letter_template, name="letter_template"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/contactpoging/", views.contact_attempt, name="contact_attempt"),
    path("<int:case_id>/hulpaanbod/", views.offer, name="offer"),
    path("<int:case_id>/afsluiten/", views.close, name="close"),
    path("<int:case_id>/notitie/", views.note, name="note"),
    path("<int:case_id>/toewijzen/", views.assign, name="assign"),
    path("<int:case_id>/aan-mij/", views.take, name="take"),
    path("<int:case_id>/brief/", views.letter, name="letter"),
]
