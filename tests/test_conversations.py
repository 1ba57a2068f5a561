"""Multi-turn behaviour from the seeds: strikes, repeats, 'not helpful', churn, offers, handback, precedence."""
from datetime import timedelta

from conftest import MONDAY_10, SATURDAY_22
from warmline.store.codec import decode_state, encode_state


def run(engine, messages, customer=None, now=MONDAY_10):
    conversation = {"id": "c", "customer": customer or {"plan": "pro"}, "messages": messages}
    return engine.evaluate(conversation, now=now)


def cust(text, **kw):
    return {"role": "customer", "text": text, **kw}


def bot(text, **kw):
    return {"role": "bot", "text": text, **kw}


def test_three_strike_fallback_ladder(engine):
    d = run(engine, [cust("the thingy is gone"), bot("Sorry, I didn't get that.", fallback=True),
                     cust("the thing on the page"), bot("Sorry, still lost.", fallback=True),
                     cust("the box at the top"), bot("I don't understand.", fallback=True)])
    assert [x.action for x in d] == ["respond", "offer_escalation", "escalate"]
    assert "rephras" in d[1].reply
    assert d[2].reasons[0].trigger == "fallback_loop"


def test_repeated_question_three_times_escalates(engine):
    q = "how do I change the billing email on my account"
    d = run(engine, [cust(q), bot("Go to Settings.", confidence=0.9),
                     cust("How do I change the billing e-mail on my account?"), bot("Settings.", confidence=0.9),
                     cust("how can I change the billing email on my account"), bot("Settings.", confidence=0.9)])
    assert [x.action for x in d] == ["respond", "respond", "escalate"]
    assert d[2].reasons[0].trigger == "repeated_question"


def test_different_order_numbers_are_not_a_repeat(engine):
    d = run(engine, [cust("where is order 123456"), bot("On its way.", confidence=0.9),
                     cust("where is order 123457"), bot("On its way.", confidence=0.9),
                     cust("where is order 123458"), bot("On its way.", confidence=0.9)])
    assert all(x.action == "respond" for x in d)


def test_not_helpful_twice_escalates(engine):
    d = run(engine, [cust("how do I sync my calendar"), bot("Use Integrations.", confidence=0.9),
                     cust("not helpful", feedback="not_helpful"), bot("Try Settings.", confidence=0.9),
                     cust("still nothing", feedback="not_helpful")])
    assert d[-1].action == "escalate"
    assert d[-1].reasons[0].trigger == "not_helpful"


def test_churn_first_signal_offers_then_persistent_escalates_to_retention(engine):
    d = run(engine, [cust("I want to cancel my subscription"),
                     bot("I can offer you 20% off.", confidence=0.9, intent="retention_save"),
                     cust("no, cancel my subscription please")])
    assert d[0].action == "offer_escalation"
    assert d[1].action == "escalate" and d[1].handoff.queue == "retention"


def test_yes_to_an_offer_is_a_request_for_a_person(engine):
    d = run(engine, [cust("what does the pro plan cost?"), bot("Pro is $20 a month.", confidence=0.9),
                     cust("yes please")])
    assert d[0].action == "offer_escalation"
    assert d[1].action == "escalate" and d[1].reasons[0].trigger == "human_request"
    assert d[1].handoff.queue == "sales"


def test_plain_yes_without_an_offer_is_nothing(engine):
    d = run(engine, [cust("is the app free?"), bot("Yes, the basic plan is free.", confidence=0.95), cust("yes")])
    assert d[1].action == "respond"


def test_after_escalation_bot_stays_silent_until_handback(engine):
    d = run(engine, [cust("talk to a human"), {"role": "agent", "text": "Hi, I'm Sarah."},
                     cust("my invoice is wrong and this is RIDICULOUS!!!"),
                     {"role": "system", "text": "", "event": "handback"},
                     cust("thanks, where do I change my avatar?"), bot("Top right.", confidence=0.95)])
    assert [x.action for x in d] == ["escalate", "with_human", "respond"]
    assert d[1].handoff is None and d[1].reply is None


def test_long_conversation_offers_at_ten_turns(engine):
    questions = ["how do I add a user", "can I export to csv", "where are my reports", "how do I rename a project",
                 "is there a dark mode", "can I change the language", "how do I archive a board",
                 "where do I upload a logo", "can guests comment", "how do I set a due date"]
    msgs = []
    for q in questions:
        msgs += [cust(q), bot("Answer.", confidence=0.9)]
    msgs += [cust("and how do I print a board"), bot("Answer.", confidence=0.9)]
    d = run(engine, msgs)
    assert d[8].action == "respond" and d[9].action == "offer_escalation"
    assert d[9].reasons[0].trigger == "long_conversation"
    assert d[10].action == "respond"  # offered once, not on every later turn


def test_long_conversation_offer_waits_past_a_customer_signing_off(engine):
    msgs = []
    for q in ["how do I add a user", "can I export to csv", "where are my reports", "how do I rename a project",
              "is there a dark mode", "can I change the language", "how do I archive a board",
              "where do I upload a logo", "can guests comment"]:
        msgs += [cust(q), bot("Answer.", confidence=0.9)]
    msgs += [cust("ok that's all, thank you very much"), bot("Bye!", confidence=0.9),
             cust("oh wait, one more: how do I print a board"), bot("Answer.", confidence=0.9),
             cust("and how do I set a due date"), bot("Answer.", confidence=0.9)]
    d = run(engine, msgs)
    assert d[9].action == "respond"                    # not offered a person while saying goodbye
    assert d[10].action == "offer_escalation" and d[10].reasons[0].trigger == "long_conversation"
    assert d[11].action == "respond"                   # the next offer is due at twenty turns
    # the pending offer is part of the stored state, so another instance makes it
    after_goodbye = [s for _, s in engine.iter_states({"id": "c", "messages": msgs}, now=MONDAY_10)][9]
    assert after_goodbye.long_offer_pending and decode_state(encode_state(after_goodbye)) == after_goodbye


def test_a_handback_does_not_bring_a_long_conversation_offer_with_it(engine):
    msgs = []
    for i in range(11):
        msgs += [cust(f"question number {i} about exports"), bot("Answer.", confidence=0.9)]
    msgs += [{"role": "agent", "text": "Hi, Sam here, all sorted."},
             {"role": "system", "text": "", "event": "handback"},
             cust("thanks, and how do I rename a board"), bot("Answer.", confidence=0.9)]
    d = run(engine, msgs)
    assert d[9].action == "offer_escalation" and d[10].action == "respond"
    assert d[11].action == "respond"   # back with the bot after a person helped: no offer until turn 20


def test_a_correction_counts_as_an_answer_that_did_not_help(engine):
    d = run(engine, [cust("I need a train to Leeds on Thursday"), bot("TR1 leaves Monday at 9.", confidence=0.9),
                     cust("No, I said Thursday, not Monday"), bot("TR2 leaves Monday at 10.", confidence=0.9),
                     cust("I already told you, Thursday!"), bot("TR3 leaves Monday.", confidence=0.9)])
    assert d[1].action != "escalate"
    assert d[2].action == "escalate" and "not_helpful" in d[2].triggers


def test_strongest_action_wins_and_priorities_combine(engine):
    d = run(engine, [cust("I was double charged and I think my account was hacked")])[0]
    assert d.action == "escalate"
    assert d.handoff.priority == "immediate" and d.handoff.queue == "security"
    assert [r.trigger for r in d.reasons][:1] == ["security"]
    assert "billing" in d.triggers


def test_vip_raises_priority_and_skips_the_ai(engine):
    d = run(engine, [cust("what does the pro plan cost?"), bot("$20.", confidence=0.9)],
            customer={"plan": "enterprise"})[0]
    assert d.action == "escalate" and d.handoff.queue == "vip"
    d = run(engine, [cust("talk to a human")], customer={"plan": "enterprise"})[0]
    assert d.handoff.priority == "high" and d.handoff.queue == "vip"
    assert any("vip" in step for step in d.trace["precedence"])


def test_free_plan_gets_an_offer_for_medium_cases_but_not_for_explicit_requests(engine):
    low = run(engine, [cust("how do I set up SSO?"), bot("Maybe Settings?", confidence=0.2)],
              customer={"plan": "free"})[0]
    assert low.action == "offer_escalation"
    assert run(engine, [cust("talk to a human")], customer={"plan": "free"})[0].action == "escalate"
    assert run(engine, [cust("my account was hacked")], customer={"plan": "trial"})[0].action == "escalate"


def test_after_hours_promises_follow_up_and_asks_for_contact(engine):
    d = run(engine, [cust("I need to speak to someone")], now=SATURDAY_22)[0]
    assert d.handoff.after_hours and d.handoff.timing == "ticket"
    assert d.handoff.next_open.isoformat().startswith("2026-11-09T09:00")
    assert "09:00 UTC on Monday" in d.reply and "email address or phone" in d.reply


def test_after_hours_with_known_email_does_not_ask_again(engine):
    d = run(engine, [cust("I need to speak to someone")], customer={"plan": "pro", "email": "a@b.co"},
            now=SATURDAY_22)[0]
    assert "a@b.co" in d.reply and "phone" not in d.reply


def test_security_is_staffed_around_the_clock(engine):
    d = run(engine, [cust("my account was hacked")], now=SATURDAY_22)[0]
    assert not d.handoff.after_hours and d.handoff.timing == "immediate"
    assert d.handoff.sla_due == SATURDAY_22 + timedelta(seconds=60)


def test_long_wait_offers_alternatives(engine):
    conv = {"id": "c", "customer": {"plan": "pro"}, "messages": [cust("talk to a human")]}
    d = engine.evaluate(conv, now=MONDAY_10, queue_waits={"support": 900})[0]
    assert d.handoff.estimated_wait_s == 900
    assert d.handoff.alternatives == ("callback", "email")
    assert "call you back or email you" in d.reply and "about 15 minutes" in d.reply


def test_messages_are_decided_at_their_own_time(engine):
    d = run(engine, [cust("talk to a human", at="2026-11-08T12:00:00Z")], now=MONDAY_10)[0]
    assert d.handoff.after_hours  # a Sunday message, whatever `now` says
