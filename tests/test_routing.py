"""The routing tree: inheritance, first match wins, `continue` fans out; and `where_it_lands`."""
from warmline.config.load import compile_text
from warmline.core import rules
from warmline.core.routing import RouteNode, route


def node(name, when=None, queue="root-q", children=(), cont=False):
    program = rules.compile_condition(when) if when else None
    return RouteNode(name, queue, when, program, cont, tuple(children))


def ctx(primary, **segment):
    return rules.context_for({"primary": primary, "triggers": [primary], "customer": {},
                              "segment": {"vip": False, "free": False, "at_risk": False, **segment},
                              "priority": "high"})


TREE = node("root", queue="support", children=[
    node("billing", 'primary == "billing"', "billing", children=[
        node("vip-billing", "segment.vip", "vip-billing"),
    ]),
    node("audit", 'primary in ["billing", "legal"]', "audit", cont=True),
    node("legal", 'primary == "legal"', "compliance"),
    node("legal-again", 'primary == "legal"', "never"),
])


def test_first_matching_child_wins_and_the_root_catches_the_rest():
    assert route(TREE, ctx("billing")).queue == "billing"
    assert route(TREE, ctx("churn")).queue == "support"


def test_children_are_checked_below_a_match():
    result = route(TREE, ctx("billing", vip=True))
    assert result.queue == "vip-billing"
    assert result.path == ("root", "billing", "vip-billing")


def test_continue_lets_later_siblings_match_and_notifies_them():
    result = route(TREE, ctx("legal"))
    assert result.queue == "audit"
    assert result.also_notify == ("compliance",)  # matched after `continue`; the next sibling is not reached


def test_children_inherit_the_parent_queue():
    policy_text = open("src/warmline/config/default.yaml").read().replace(
        "      queue: security\n    - name: compliance",
        "      queue: security\n      routes:\n        - name: vip-security\n          when: segment.vip\n"
        "    - name: compliance")
    policy = compile_text(policy_text, "test")
    child = policy.routes.children[0].children[0]
    assert child.name == "vip-security" and child.queue == "security"


def test_where_it_lands_explains_the_default_tree(engine):
    from warmline.core.engine import where_it_lands
    lands = where_it_lands(engine.policy, ["billing"], {"plan": "pro"}, strong=True)
    assert lands["action"] == "escalate" and lands["route"]["queue"] == "billing"
    lands = where_it_lands(engine.policy, ["billing"], {"plan": "enterprise"})
    assert lands["route"]["queue"] == "vip"
    lands = where_it_lands(engine.policy, ["churn"], {"tags": ["at_risk"]})
    assert lands["action"] == "escalate" and lands["route"]["queue"] == "retention"


def test_a_request_for_a_person_goes_to_the_team_of_its_subject(engine, say):
    from warmline.core.engine import where_it_lands
    lands = where_it_lands(engine.policy, ["human_request", "sales"], {"plan": "pro"})
    assert lands["route"]["queue"] == "sales"
    assert where_it_lands(engine.policy, ["human_request"], {"plan": "pro"})["route"]["queue"] == "support"
    at_risk = where_it_lands(engine.policy, ["human_request", "billing"], {"tags": ["at_risk"]})
    assert at_risk["route"]["queue"] == "retention"
    d = say("I want to talk to someone about my bill, I was charged twice")
    assert {"human_request", "billing"} <= set(d.triggers) and d.handoff.queue == "billing"
