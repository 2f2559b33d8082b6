"""The creditor's delivery pages under /leveringen/: thin views over :mod:`.services`.

Only users with the ``schuldeiser`` role use them; every object comes through
the scoping layer. The upload is two steps without scripts: the file is staged
and a preview of its first rows (with the column mapping applied) is shown;
submitting hands the staged file to :func:`.services.receive_delivery`. The
delivery page polls a small status fragment with htmx while it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import get_scoped_or_404_audited, scoped

from . import services, uploads
from .apikeys import ApiKeyNameTaken
from .codes import Code, message
from .fields import Soort
from .forms import ApiKeyForm, ColumnMappingFormSet, UploadForm
from .models import ApiKey, Delivery, Via
from .report import STATUS_SENTENCES, report_context

SESSION_UPLOAD = "intake_upload"
SESSION_NEW_API_KEY = "intake_new_api_key"  # a new key's text, until the one GET that shows it
PAGE_SIZE = 25


def creditor_required(view):
    """Creditor staff only; everyone else gets 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or user.role != Role.SCHULDEISER or not user.creditor_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _status_context(delivery: Delivery) -> dict:
    return {
        "delivery": delivery,
        "stalled_since": delivery.stalled_since(),
        "waiting_since": delivery.waiting_since(),
        "status_sentence": STATUS_SENTENCES[delivery.status],
        "report": report_context(delivery),
    }


@creditor_required
def delivery_list(request):
    deliveries = scoped(request.user, Delivery).order_by("-received_at", "-id")
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(request, "intake/list.html", {"page": page})


def _staged_upload(request) -> dict | None:
    upload = request.session.get(SESSION_UPLOAD)
    if not upload:
        return None
    path = services.incoming_dir() / upload["staged"]
    if not path.exists():
        request.session.pop(SESSION_UPLOAD, None)
        return None
    return {**upload, "path": path}


def _discard_staged(request) -> None:
    upload = request.session.pop(SESSION_UPLOAD, None)
    if upload:
        (services.incoming_dir() / upload["staged"]).unlink(missing_ok=True)


def _own_choice(upload: dict) -> dict[str, str]:
    """The peildatum and soort of a staged upload as the creditor chose them: what the preview
    filled in from a JSON file (``uit_bestand``) was the file's, and is left empty."""
    from_file = upload.get("uit_bestand", [])
    return {
        name: "" if name in from_file else upload.get(name) or "" for name in ("peildatum", "soort")
    }


def _choice_from_query(query) -> dict:
    """The upload form's initial peildatum and soort from the address (*Ander bestand kiezen*
    on the preview); a value that is no choice is left out."""
    initial: dict = {}
    with contextlib.suppress(ValueError):
        initial["peildatum"] = dt.date.fromisoformat(query.get("peildatum", ""))
    if "soort" in query and query["soort"] in ("", *Soort.values):
        initial["soort"] = query["soort"]
    return initial


@creditor_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Step 1: choose the file, peildatum and kind; the file is staged for the preview."""
    form = UploadForm(initial=_choice_from_query(request.GET))
    if request.method == "POST":
        limit = settings.MAX_DELIVERY_BYTES
        too_big = int(request.META.get("CONTENT_LENGTH") or 0) > limit + uploads.MULTIPART_OVERHEAD
        if not too_big:
            form = UploadForm(request.POST, request.FILES)
            # The upload handler stops reading (and keeps nothing) once the file passes the limit;
            # the fields after it in the form did not arrive.
            too_big = uploads.refused_as_too_big(request)
        if too_big:
            form = UploadForm()
            form.cleaned_data = {}  # add_error() wants it; an unbound form has none
            form.add_error(
                None, message(Code.BESTAND_TE_GROOT, maximum=services._human_size(limit))
            )
        elif form.is_valid():
            _discard_staged(request)
            services.clean_incoming()
            uploaded = form.cleaned_data["file"]
            staged = services.stage_file(uploaded, suffix=Path(uploaded.name).suffix.lower()[:10])
            file_format = services.detected_format(staged.head, uploaded.name)
            if staged.too_big:
                form.add_error(
                    "file",
                    message(
                        Code.BESTAND_TE_GROOT,
                        maximum=services._human_size(settings.MAX_DELIVERY_BYTES),
                    ),
                )
            else:
                form.require_what_the_file_cannot_say(file_format)
            if form.errors:
                if staged.name:  # not to be previewed: the staged file goes at once
                    staged.path.unlink(missing_ok=True)
            else:
                peildatum = form.cleaned_data["peildatum"]
                request.session[SESSION_UPLOAD] = {
                    "staged": staged.name,
                    "filename": Path(uploaded.name).name[:255],
                    "format": file_format or "",
                    # Empty: left to the JSON file (the preview fills it in from the file).
                    "peildatum": peildatum.isoformat() if peildatum else "",
                    "soort": form.cleaned_data["soort"] or "",
                    "size": staged.size,
                    "sha256": staged.sha256,
                }
                return redirect("intake:preview")
        if form.errors and "file" not in form.errors and request.FILES.get("file"):
            # A browser empties a file field when the page comes back: say so at the field.
            form.add_error(
                "file", _("Kies het bestand opnieuw: na een melding is het niet meer gekozen.")
            )
    return render(request, "intake/upload.html", {"form": form})


def _mapping_from_formset(formset, existing: dict) -> dict:
    mapping = dict(existing)
    for row in formset.cleaned_data:
        header = (row.get("header") or "").strip()
        if not header:
            continue
        if row.get("remove"):
            mapping.pop(header, None)
            continue
        mapping[header] = row.get("field") or None
    return mapping


@creditor_required
@require_http_methods(["GET", "POST"])
def preview(request):
    """Step 2: the first rows with the column mapping applied; save the mapping or submit."""
    upload = _staged_upload(request)
    if upload is None:
        messages.info(request, _("Kies eerst een bestand."))
        return redirect("intake:upload")
    creditor = request.user.creditor
    refused_formset = None  # a column mapping that was not saved: shown again with its errors
    if request.method == "POST":
        action = request.POST.get("actie")
        if action == "annuleren":
            _discard_staged(request)
            messages.info(request, _("Het bestand is verwijderd; er is niets aangeleverd."))
            return redirect("intake:list")
        if action == "ander_bestand":
            _discard_staged(request)
            # Back to step 1 with the peildatum and soort the creditor chose (not what the preview
            # took from a JSON file): only the file is to be chosen again.
            return redirect(f"{reverse('intake:upload')}?{urlencode(_own_choice(upload))}")
        if action == "kolommen":
            formset = ColumnMappingFormSet(request.POST, prefix="kolom")
            if formset.is_valid():
                mapping = _mapping_from_formset(formset, services.column_mapping_for(creditor))
                services.save_column_mapping(creditor, mapping, request.user)
                messages.success(request, _("De kolomindeling is opgeslagen."))
                return redirect("intake:preview")
            refused_formset = formset  # its errors open the page (intake/preview.html)
        if action == "uit_bestand":
            # *Keuze aanpassen aan het bestand*: the JSON file's own peildatum and soort.
            _take_from_file(request, upload, _preview_of(creditor, upload), replace=True)
            return redirect("intake:preview")
        if action == "indienen":
            delivery = services.receive_delivery(
                creditor,
                services.staged_source(upload["staged"]),
                filename=upload["filename"],
                # Empty: left to the JSON file (spec 1.4), as the API and the command leave them.
                kind=upload["soort"] or None,
                reference_date=upload["peildatum"] or None,
                via=Via.UPLOAD,
                user=request.user,
                background=True,
            )
            _discard_staged(request)
            return redirect("intake:detail", delivery_id=delivery.pk)
    result = _preview_of(creditor, upload)
    # What the form left to a JSON file is filled in from the file, as submitting would take it.
    upload = _take_from_file(request, upload, result, replace=False)
    reference_date = _reference_date(upload)
    # What submitting would refuse as LEVERING_DUBBEL (an upload staged before the hash was kept
    # in the session has none: submitting still checks). The page then offers no submit, and
    # one that is posted anyway is refused and recorded by receive_delivery, as the API's is.
    earlier = (
        services.earlier_delivery_of_content(
            creditor, upload["sha256"], upload.get("soort") or "", reference_date
        )
        if upload.get("sha256")
        else None
    )
    # The ignored headers as written, but never one that may be a value (a mapping is stored).
    headers = [*result.columns.values(), *result.mappable_columns]
    header_field = {header: name for name, header in result.columns.items()}
    formset = refused_formset or ColumnMappingFormSet(
        prefix="kolom",
        initial=[
            {"header": h, "field": header_field.get(h, "")}
            for h in headers
            if not h.startswith("(kolom ")
        ],
    )
    table = [[row.get(name) for name in result.fields] for row in result.rows]
    return render(
        request,
        "intake/preview.html",
        {
            "upload": upload,
            "reference_date": reference_date,
            "earlier": earlier,
            "kind_label": Soort(upload["soort"]).label
            if upload.get("soort") in Soort.values
            else upload.get("soort"),
            "preview": result,
            "mismatch": result.mismatch_warning,
            # Refused whole whatever the column mapping, when submitted now: no submit, but
            # *Ander bestand kiezen* (a mismatch offers its own choice first).
            "other_file_first": earlier is not None
            or (result.refusal is not None and not result.mapping_can_help),
            "mapping_editor": result.mapping_can_help and earlier is None,
            "table": table,
            "mapped": [(name, result.columns.get(name, "")) for name in result.fields],
            "formset": formset,
            "saved_mapping": services.column_mapping_for(creditor),
        },
    )


def _reference_date(upload: dict) -> dt.date | None:
    return dt.date.fromisoformat(upload["peildatum"]) if upload.get("peildatum") else None


def _preview_of(creditor, upload: dict) -> services.Preview:
    return services.preview_delivery(
        creditor,
        upload["path"],
        filename=upload["filename"],
        kind=upload["soort"],
        reference_date=_reference_date(upload),
    )


def _take_from_file(request, upload: dict, result: services.Preview, *, replace: bool) -> dict:
    """Keep the JSON file's own peildatum and soort that the preview takes
    (:meth:`~.previews.Preview.choices_from_file`) in the staged upload of the session."""
    taken = result.choices_from_file(upload, replace=replace)
    if not taken:
        return upload
    stored = request.session[SESSION_UPLOAD]
    stored.update(taken)
    stored["uit_bestand"] = sorted({*stored.get("uit_bestand", []), *taken})
    request.session.modified = True
    return {**upload, **taken, "uit_bestand": stored["uit_bestand"]}


@creditor_required
def delivery_detail(request, delivery_id: int):
    delivery = get_scoped_or_404_audited(
        request,
        Delivery.objects.select_related("creditor"),
        delivery_id,
        purpose="levering openen buiten eigen bereik",
    )
    return render(request, "intake/detail.html", _status_context(delivery))


@creditor_required
def delivery_status(request, delivery_id: int):
    """The status fragment the delivery page polls (htmx) while the delivery runs."""
    delivery = get_scoped_or_404_audited(
        request,
        Delivery.objects.select_related("creditor"),
        delivery_id,
        purpose="levering openen buiten eigen bereik",
    )
    return render(request, "intake/_status.html", _status_context(delivery))


@creditor_required
def rejected_rows_csv(request, delivery_id: int):
    delivery = get_scoped_or_404_audited(
        request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
    )
    warnings = request.GET.get("waarschuwingen") == "ja"
    services.record_rejected_rows_read(delivery, request.user, request=request, how="csv")
    response = StreamingHttpResponse(
        services.rejected_rows_csv_lines(delivery, warnings=warnings, bom=True),
        content_type="text/csv; charset=utf-8",
    )
    filename = services.rejected_rows_csv_filename(delivery, warnings=warnings)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@creditor_required
@require_POST
def confirm(request, delivery_id: int):
    delivery = get_scoped_or_404_audited(
        request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
    )
    try:
        services.confirm_delivery(delivery, request.user, background=True)
        messages.success(request, _("De levering is bevestigd en wordt verwerkt."))
    except services.DeliveryError as error:
        messages.error(request, str(error))
    return redirect("intake:detail", delivery_id=delivery.pk)


@creditor_required
@require_POST
def reprocess(request, delivery_id: int):
    """*Opnieuw verwerken*: a stalled delivery is queued again (a running one is refused)."""
    delivery = get_scoped_or_404_audited(
        request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
    )
    try:
        services.reprocess_delivery(
            delivery, request.user, background=True, via="portaal", request=request
        )
        messages.success(request, _("De levering wordt opnieuw verwerkt."))
    except services.DeliveryError as error:
        messages.error(request, str(error))
    return redirect("intake:detail", delivery_id=delivery.pk)


@creditor_required
@require_POST
def decline(request, delivery_id: int):
    delivery = get_scoped_or_404_audited(
        request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
    )
    try:
        services.decline_delivery(delivery, request.user)
        messages.info(request, _("De levering is niet verwerkt."))
    except services.DeliveryError as error:
        messages.error(request, str(error))
    return redirect("intake:detail", delivery_id=delivery.pk)


@creditor_required
@require_http_methods(["GET", "POST"])
def column_mapping(request):
    creditor = request.user.creditor
    existing = services.column_mapping_for(creditor)
    if request.method == "POST":
        formset = ColumnMappingFormSet(request.POST, prefix="kolom")
        if formset.is_valid():
            mapping = _mapping_from_formset(formset, existing)
            services.save_column_mapping(creditor, mapping, request.user)
            messages.success(request, _("De kolomindeling is opgeslagen."))
            return redirect("intake:column_mapping")
    else:
        formset = ColumnMappingFormSet(
            prefix="kolom",
            initial=[{"header": h, "field": f or ""} for h, f in sorted(existing.items())],
        )
    return render(request, "intake/column_mapping.html", {"formset": formset})


@creditor_required
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """The creditor's API keys; a new key is shown once, on the page after its creation.

    Post/redirect/get, so that reloading the page makes no second key: the new key's text
    waits in the session (never in a URL or a log) for the next GET, which shows it and
    removes it from the session.
    """
    new_key = None
    form = ApiKeyForm(creditor=request.user.creditor)
    if request.method == "POST":
        form = ApiKeyForm(request.POST, creditor=request.user.creditor)
        if form.is_valid():
            try:
                _key, text = services.create_api_key(
                    request.user.creditor,
                    form.cleaned_data["name"],
                    request.user,
                    unique_name=True,
                )
            except ApiKeyNameTaken as taken:  # made by a request at the same time
                form.add_error("name", form.name_taken(taken.args[0]))
            else:
                request.session[SESSION_NEW_API_KEY] = text
                return redirect("intake:api_keys")
    else:
        new_key = request.session.pop(SESSION_NEW_API_KEY, None)
    keys = scoped(request.user, ApiKey).order_by("-created_at")
    return render(
        request,
        "intake/api_keys.html",
        {
            "keys": keys,
            "form": form,
            "new_key": new_key,
            "api_url": request.build_absolute_uri(reverse("intake_api:delivery-list")),
        },
    )


@creditor_required
@require_http_methods(["GET", "POST"])
def revoke_api_key(request, api_key_id: int):
    key = get_scoped_or_404_audited(
        request, ApiKey, api_key_id, purpose="API-sleutel openen buiten eigen bereik"
    )
    if request.method == "POST":
        services.revoke_api_key(key, request.user)
        messages.success(
            request, _("De API-sleutel ‘%(name)s’ is ingetrokken.") % {"name": key.name}
        )
        return redirect("intake:api_keys")
    return render(request, "intake/revoke_api_key.html", {"key": key})
