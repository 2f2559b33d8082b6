"""Importing CBS wijken and buurten from GeoJSON (spec section 2)."""

from __future__ import annotations

import pytest
import shapely
from pyproj import Transformer

from vroegsignaal.registry.models import Address, Neighbourhood, NeighbourhoodKind
from vroegsignaal.registry.services import (
    RegistryImportError,
    import_addresses,
    import_neighbourhoods,
)

from .conftest import INSIDE, buurt_features, feature_collection, rectangle

pytestmark = pytest.mark.django_db


def test_buurt_file_creates_buurten_and_their_wijken(voorbeeldstad, buurten_file):
    result = import_neighbourhoods(buurten_file)
    assert (result.buurten, result.wijken, result.created) == (4, 2, 6)
    buurt = Neighbourhood.objects.select_related("wijk").get(code="BU09990101")
    assert (buurt.name, buurt.kind, buurt.wijk.code, buurt.wijk.name, buurt.municipality) == (
        "Zuidwest",
        NeighbourhoodKind.BUURT,
        "WK099901",
        "Zuid",
        voorbeeldstad,
    )


def test_long_lower_case_property_names_are_read(voorbeeldstad, write):
    import_neighbourhoods(write("b.geojson", feature_collection(buurt_features(style="long"))))
    buurt = Neighbourhood.objects.get(code="BU09990101")
    assert (buurt.name, buurt.inhabitants, buurt.households) == ("Zuidwest", 1200, 540)


def test_cbs_negative_sentinels_are_stored_as_unknown(voorbeeldstad, buurten_file):
    import_neighbourhoods(buurten_file)
    counts = dict(Neighbourhood.objects.values_list("code", "households"))
    assert (counts["BU09990101"], counts["BU09990102"], counts["BU09990201"]) == (540, None, 0)
    assert Neighbourhood.objects.get(code="BU09990202").inhabitants is None


def test_wijk_outline_is_the_union_of_its_buurten(voorbeeldstad, buurten_file):
    import_neighbourhoods(buurten_file)
    wijk = shapely.geometry.shape(Neighbourhood.objects.get(code="WK099901").geometry)
    assert wijk.equals(shapely.box(5.0, 52.0, 5.2, 52.1))


def test_wijk_counts_are_summed_from_buurten_when_all_are_known(voorbeeldstad, buurten_file):
    import_neighbourhoods(buurten_file)
    south = Neighbourhood.objects.get(code="WK099901")
    assert (south.inhabitants, south.households) == (2000, None)


def test_neighbourhoods_in_rd_coordinates_are_transformed(voorbeeldstad, write):
    to_rd = Transformer.from_crs(4326, 28992, always_xy=True)
    features = buurt_features()
    for feature in features:
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"]["coordinates"][0] = [
            list(to_rd.transform(lon, lat)) for lon, lat in ring
        ]
    import_neighbourhoods(
        write("rd.geojson", feature_collection(features, crs="urn:ogc:def:crs:EPSG::28992"))
    )
    outline = shapely.geometry.shape(Neighbourhood.objects.get(code="BU09990101").geometry)
    assert outline.bounds == pytest.approx((5.0, 52.0, 5.1, 52.1), abs=1e-6)


def test_rd_coordinates_are_recognised_without_crs_member(voorbeeldstad, write):
    to_rd = Transformer.from_crs(4326, 28992, always_xy=True)
    features = buurt_features()[:1]
    ring = features[0]["geometry"]["coordinates"][0]
    features[0]["geometry"]["coordinates"][0] = [
        list(to_rd.transform(lon, lat)) for lon, lat in ring
    ]
    result = import_neighbourhoods(write("rd.geojson", feature_collection(features)))
    bounds = shapely.geometry.shape(Neighbourhood.objects.get(code="BU09990101").geometry).bounds
    assert result.buurten == 1
    assert bounds == pytest.approx((5.0, 52.0, 5.1, 52.1), abs=1e-6)


def test_unsupported_crs_is_refused(voorbeeldstad, write):
    path = write("b.geojson", feature_collection(buurt_features(), crs="EPSG:3857"))
    with pytest.raises(RegistryImportError, match="EPSG:3857 wordt niet ondersteund"):
        import_neighbourhoods(path)


def test_unknown_municipality_is_refused(db, buurten_file):
    with pytest.raises(RegistryImportError, match=r"gemeente GM0999 \(Voorbeeldstad\) is onbekend"):
        import_neighbourhoods(buurten_file)
    assert not Neighbourhood.objects.exists()


def test_reimport_updates_neighbourhoods_in_place(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    before = Neighbourhood.objects.get(code="BU09990101").pk
    features = buurt_features()
    features[0]["properties"]["BU_NAAM"] = "Zuidwest-Centrum"
    result = import_neighbourhoods(write("v2.geojson", feature_collection(features)))
    buurt = Neighbourhood.objects.get(code="BU09990101")
    assert (buurt.pk, buurt.name) == (before, "Zuidwest-Centrum")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)


def test_wijk_file_creates_wijken(voorbeeldstad, write):
    wijk = {
        "type": "Feature",
        "properties": {
            "WK_CODE": "WK099901",
            "WK_NAAM": "Zuid",
            "GM_CODE": "GM0999",
            "AANT_INW": 2000,
        },
        "geometry": rectangle(5.0, 52.0, 5.2, 52.1),
    }
    result = import_neighbourhoods(write("w.geojson", feature_collection([wijk])))
    stored = Neighbourhood.objects.get()
    assert (result.wijken, result.buurten, stored.kind, stored.inhabitants) == (
        1,
        0,
        NeighbourhoodKind.WIJK,
        2000,
    )


def test_feature_without_code_is_refused_naming_it(voorbeeldstad, write):
    features = buurt_features()
    del features[2]["properties"]["BU_CODE"]
    del features[2]["properties"]["WK_CODE"]
    with pytest.raises(RegistryImportError, match=r"^Object 3: buurtcode of wijkcode ontbreekt\.$"):
        import_neighbourhoods(write("b.geojson", feature_collection(features)))


def test_point_geometry_is_refused(voorbeeldstad, write):
    features = buurt_features()
    features[0]["geometry"] = {"type": "Point", "coordinates": [5.0, 52.0]}
    with pytest.raises(RegistryImportError, match="Object 1 \\(BU09990101\\): geometrie 'Point'"):
        import_neighbourhoods(write("b.geojson", feature_collection(features)))


def test_file_that_is_not_geojson_is_refused(voorbeeldstad, write):
    with pytest.raises(RegistryImportError, match="geen geldige JSON"):
        import_neighbourhoods(write("b.geojson", "{nope"))
    with pytest.raises(RegistryImportError, match="geen GeoJSON FeatureCollection"):
        import_neighbourhoods(write("c.geojson", {"type": "Feature"}))


def test_importing_buurten_places_addresses_already_in_the_register(
    voorbeeldstad, write, buurten_file
):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,latitude,longitude\n" + "".join(
        f"1234AB,{n},Dorpsweg,Voorbeeldstad,0999,{lat},{lon}\n"
        for n, (lat, lon) in enumerate(INSIDE.values(), 1)
    )
    import_addresses(write("a.csv", text))
    assert not Address.objects.filter(buurt__isnull=False).exists()

    result = import_neighbourhoods(buurten_file)

    assert result.addresses_relinked == 4
    assert dict(Address.objects.values_list("huisnummer", "buurt__code")) == dict(
        enumerate(INSIDE, 1)
    )


def test_moved_buurt_boundary_moves_addresses_on_reimport(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,latitude,longitude\n1234AB,1,Dorpsweg,Voorbeeldstad,0999,52.05,5.09\n"
    import_addresses(write("a.csv", text))
    assert Address.objects.get().buurt.code == "BU09990101"

    features = buurt_features()
    features[0]["geometry"] = rectangle(5.0, 52.0, 5.08, 52.1)
    features[1]["geometry"] = rectangle(5.08, 52.0, 5.2, 52.1)
    import_neighbourhoods(write("v2.geojson", feature_collection(features)))

    assert Address.objects.get().buurt.code == "BU09990102"


def test_buurt_without_geometry_is_stored_without_outline(voorbeeldstad, write):
    features = buurt_features()
    features[1]["geometry"] = None
    import_neighbourhoods(write("b.geojson", feature_collection(features, crs="EPSG:4326")))
    assert Neighbourhood.objects.get(code="BU09990102").geometry is None
    assert Neighbourhood.objects.get(code="WK099901").geometry["type"] == "Polygon"
