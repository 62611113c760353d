"""Recognition criteria of public overseas-warehouse schemes and candidate operators.

criteria.csv and operators.csv are optional tables (checked by file, row and field);
optimizer.models.criteria judges an operator against a scheme, worked by hand here on the
tiny network with two sites.
"""

from __future__ import annotations

import pytest

from optimizer.data.loader import load_network
from optimizer.errors import InputError, NetworkDataError
from optimizer.models.criteria import Eligibility, eligibility, eligible_sites

CRITERIA_HEADER = (
    "id,scheme,scheme_name,attribute,operator,threshold,unit,binding,as_of,note,source\n"
)
# A scheme dated 2024: registered in Sichuan, abroad 2 years or more, >= 2,000 m2, more than
# half the overseas entity, a WMS, the full service chain, firms served (threshold not seen,
# binding), and a layout priority (not binding).
CRITERIA = CRITERIA_HEADER + (
    "T_REG,test_2024,Test,local_registration,is,CN-SC,,1,2024-01-08,,assumption: test\n"
    "T_YEARS,test_2024,Test,years_abroad,>=,2,years,1,2024-01-08,,assumption: test\n"
    "T_AREA,test_2024,Test,area_m2,>=,2000,m2,1,2024-01-08,,assumption: test\n"
    "T_SHARE,test_2024,Test,overseas_share,>,0.5,share,1,2024-01-08,,assumption: test\n"
    "T_WMS,test_2024,Test,wms,is,1,,1,2024-01-08,,assumption: test\n"
    "T_SERV,test_2024,Test,services,includes,customs_clearance;warehousing;last_mile,,1,"
    "2024-01-08,,assumption: test\n"
    "T_GROUP,test_2024,Test,country_groups,any,rcep;rongou_node,,0,2024-01-08,,assumption: test\n"
    "U_AREA,unseen_2023,Unseen,area_m2,>=,,m2,1,2023-12-07,,threshold not seen (test)\n"
)
OPERATORS_HEADER = (
    "id,site,name,name_zh,sourced,registered_in,registered_city,registered_since,abroad_since,"
    "area_m2,overseas_share,odi_certificate,wms,firms_served,services,country_groups,source\n"
)
OPERATORS = OPERATORS_HEADER + (
    # meets everything in 2024: abroad since 2021 (3 years), 3,000 m2, 100 %
    "DE1_A,DE_WH1,Alpha,,0,CN-SC,Deyang,2015,2021,3000,1,1,1,12,"
    "customs_clearance;warehousing;last_mile;returns,rongou_node,assumption: test candidate\n"
    # too small, abroad 1 year in 2024, half the entity (not more than half), no last mile
    "PL2_B,PL_WH2,Beta,,0,CN-SC,,2020,2023,1500,0.5,1,1,,"
    "customs_clearance;warehousing,rongou_node,assumption: test candidate\n"
    # a real firm registered elsewhere, most attributes not published
    "PL2_C,PL_WH2,Gamma Logistics,,1,PL,,,,5000,,,,,warehousing,,https://example.org/gamma\n"
)


@pytest.fixture
def criteria_net(tiny_copy):
    (tiny_copy / "criteria.csv").write_text(CRITERIA, encoding="utf-8")
    (tiny_copy / "operators.csv").write_text(OPERATORS, encoding="utf-8")
    return load_network(tiny_copy)


def test_tables_load(criteria_net):
    assert list(criteria_net.criteria.index[:2]) == ["T_REG", "T_YEARS"]
    assert set(criteria_net.operators["site"]) == {"DE_WH1", "PL_WH2"}


def test_operator_meeting_every_binding_criterion_is_eligible(criteria_net):
    e = eligibility(criteria_net, "DE_WH1", "test_2024")
    assert isinstance(e, Eligibility)
    assert (e.site, e.operator, e.scheme, e.year) == ("DE_WH1", "DE1_A", "test_2024", 2024)
    assert e.eligible and e.possible and e.missing == [] and e.unknown == []
    assert "years_abroad >= 2: has 3 (since 2021, counted to 2024)" in e.met
    assert "area_m2 >= 2,000: has 3,000" in e.met
    assert "country_groups any rcep, rongou_node: has rongou_node (priority, not a bar)" in e.met
    assert len(e.met) == 7


def test_missing_criteria_name_threshold_and_value(criteria_net):
    e = eligibility(criteria_net, "PL_WH2", "test_2024", operator="PL2_B")
    assert not e.eligible and not e.possible
    assert e.missing == [
        "years_abroad >= 2: has 1 (since 2023, counted to 2024)",
        "area_m2 >= 2,000: has 1,500",
        "overseas_share > 0.5: has 0.5",
        "services includes customs_clearance, warehousing, last_mile: lacks last_mile "
        "(has customs_clearance, warehousing)",
    ]
    assert e.met == [
        "local_registration is CN-SC: has CN-SC",
        "wms is 1: has 1",
        "country_groups any rcep, rongou_node: has rongou_node (priority, not a bar)",
    ]
    # two years later the warehouse has operated 3 years: one criterion fewer missing
    later = eligibility(criteria_net, "PL_WH2", "test_2024", operator="PL2_B", year=2026)
    assert len(later.missing) == 3 and later.year == 2026


def test_unknown_values_of_a_real_firm(criteria_net):
    e = eligibility(criteria_net, "PL_WH2", "test_2024", operator="PL2_C")
    assert e.sourced and not e.eligible
    assert e.missing == ["local_registration is CN-SC: has PL"]
    assert "area_m2 >= 2,000: has 5,000" in e.met
    assert "years_abroad >= 2: value not known" in e.unknown
    # a service its source does not name is unknown, not lacking
    assert (
        "services includes customs_clearance, warehousing, last_mile: not reported: "
        "customs_clearance, last_mile (has warehousing)"
    ) in e.unknown
    assert "country_groups any rcep, rongou_node: value not known (priority, not a bar)" in (
        e.unknown
    )


def test_best_operator_of_a_site_and_eligible_sites(criteria_net):
    # at PL_WH2 neither is eligible; Beta misses 4, Gamma misses 1 (and has 5 unknown)
    e = eligibility(criteria_net, "PL_WH2", "test_2024")
    assert e.operator == "PL2_C"
    assert [x.site for x in eligible_sites(criteria_net, "test_2024")] == ["DE_WH1"]
    assert [x.site for x in eligible_sites(criteria_net, "test_2024", year=2026)] == ["DE_WH1"]


def test_threshold_not_seen_is_unknown(criteria_net):
    e = eligibility(criteria_net, "DE_WH1", "unseen_2023")
    assert not e.eligible and e.possible
    assert e.unknown == ["area_m2 >= ?: threshold not seen (has 3,000)"]
    assert eligible_sites(criteria_net, "unseen_2023") == []


def test_unknown_scheme_site_or_operator(criteria_net):
    with pytest.raises(InputError, match="unknown scheme 'nope'"):
        eligibility(criteria_net, "DE_WH1", "nope")
    with pytest.raises(InputError, match="unknown warehouse site"):
        eligibility(criteria_net, "XX_WH9", "test_2024")
    with pytest.raises(InputError, match="no operator 'DE1_A' at site 'PL_WH2'"):
        eligibility(criteria_net, "PL_WH2", "test_2024", operator="DE1_A")


def test_site_without_operator(tiny_copy):
    (tiny_copy / "criteria.csv").write_text(CRITERIA, encoding="utf-8")
    (tiny_copy / "operators.csv").write_text(OPERATORS_HEADER, encoding="utf-8")
    e = eligibility(load_network(tiny_copy), "DE_WH1", "test_2024")
    assert e.operator is None and not e.eligible and e.unknown == ["no operator recorded"]


GOOD_OP = "X,DE_WH1,X,,0,CN-SC,,2018,2022,5000,1,1,1,20,warehousing,rcep,assumption: test"
GOOD_CRIT = "X,s_1,S,area_m2,>=,2000,m2,1,2024-01-08,,assumption: test"


@pytest.mark.parametrize(
    ("file", "row", "field"),
    [
        ("operators.csv", GOOD_OP.replace(",5000,", ",-5,"), "area_m2"),
        ("operators.csv", GOOD_OP.replace(",1,1,1,20,", ",1.5,1,1,20,"), "overseas_share"),
        ("operators.csv", GOOD_OP.replace("warehousing", "teleport"), "services"),
        ("operators.csv", GOOD_OP.replace(",rcep,", ",g7,"), "country_groups"),
        ("operators.csv", GOOD_OP.replace("DE_WH1", "DE_WH9"), "site"),
        ("operators.csv", GOOD_OP.replace("CN-SC", "Sichuan"), "registered_in"),
        ("operators.csv", GOOD_OP.replace("assumption: test", "https://example.org"), None),
        ("criteria.csv", GOOD_CRIT.replace(",>=,", ",=<,"), "operator"),
        ("criteria.csv", GOOD_CRIT.replace("area_m2", "height"), "attribute"),
        ("criteria.csv", GOOD_CRIT.replace(",2000,", ",big,"), None),
        ("criteria.csv", GOOD_CRIT.replace("2024-01-08", "2024-13-08"), "as_of"),
    ],
)
def test_bad_row_refused_with_file_row_field(tiny_copy, file, row, field):
    header = OPERATORS_HEADER if file == "operators.csv" else CRITERIA_HEADER
    (tiny_copy / file).write_text(header + row + "\n", encoding="utf-8")
    with pytest.raises(NetworkDataError) as info:
        load_network(tiny_copy)
    hits = [i for i in info.value.issues if i.file == file and i.row == 2]
    assert hits, str(info.value)
    if field is not None:
        assert any(i.field == field for i in hits), str(info.value)


def test_scheme_dated_twice_is_refused(tiny_copy):
    rows = GOOD_CRIT + "\n" + GOOD_CRIT.replace("X,", "Y,", 1).replace("2024-01-08", "2025-01-01")
    (tiny_copy / "criteria.csv").write_text(CRITERIA_HEADER + rows + "\n", encoding="utf-8")
    with pytest.raises(NetworkDataError) as info:
        load_network(tiny_copy)
    assert any(
        i.file == "criteria.csv" and i.row == 3 and i.field == "as_of" for i in info.value.issues
    ), str(info.value)


def test_bundled_data_loads_both_tables():
    net = load_network()
    assert len(net.operators) >= len(net.warehouses)
    assert set(net.operators["site"]) == set(net.warehouses.index)  # every site has a candidate
    schemes = set(net.criteria["scheme"])
    assert {"sichuan_public_2024", "guangdong_public_2023", "wenzhou_2022"} <= schemes
    # an operator not sourced is labelled an assumption; a sourced one is not
    typical = net.operators[net.operators["sourced"] == 0]
    assert typical["source"].str.lower().str.startswith("assumption").all()
    real = net.operators[net.operators["sourced"] == 1]
    assert not real.empty and not real["source"].str.lower().str.startswith("assumption").any()
    # every figure of both tables has a provenance row
    prov = net.provenance
    assert {"criteria.csv", "operators.csv"} <= set(prov["file"])
    # a threshold not seen stays empty and has no provenance row
    unseen = net.criteria[net.criteria["threshold"].isna()]
    assert not unseen.empty
    assert unseen["source"].str.contains("threshold not seen").all()
    seen = prov[(prov["file"] == "criteria.csv") & (prov["field"] == "threshold")]
    assert set(seen["id"]) == set(net.criteria.index) - set(unseen.index)
    # the typical Sichuan candidate passes the Sichuan scheme, not Guangdong's (registration)
    e = eligibility(net, "PL_WH_LODZ", "sichuan_public_2024")
    assert e.eligible and e.operator == "PL_WH_LODZ_CAND" and not e.sourced
    g = eligibility(net, "PL_WH_LODZ", "guangdong_public_2023", operator="PL_WH_LODZ_CAND")
    assert "local_registration is CN-GD: has CN-SC" in g.missing
