"""Each detector on its own: what fires it, and the hard negatives that must not."""
from dataclasses import replace

import pytest

from warmline.core.lexicon import MEMO_MAX_CHARS, MEMO_SIZE, LexiconSpec, Near, PhraseMatcher

HUMAN = ["talk to a human", "Can I speak to a real person please?", "agent", "AGENT!!!", "representative",
         "is there an actual person there?", "I want to speak with someone who can help",
         "get me a live agent", "transfer me to a supervisor", "I need to talk to somebody",
         "could this be passed to a member of your team", "is there a way to explain this to a real person",
         "will a human actually read this?", "fine, I'll wait for a person, add me to the queue",
         "I want my appeal handled by a member of staff", "can somebody from the lettings team give me a bell",
         "who at your company can I discuss my late payment with"]
NOT_HUMAN = ["how do I become an insurance agent", "my travel agent booked the wrong flight",
             "what does the user agent string mean", "human resources asked for my invoice",
             "I'd like to change my shipping address", "the parcel was handed to someone at reception",
             "can the bot in the app speak Spanish?"]


@pytest.mark.parametrize("text", HUMAN)
def test_human_request_fires(say, text):
    assert "human_request" in say(text).triggers


@pytest.mark.parametrize("text", NOT_HUMAN)
def test_human_request_hard_negatives(say, text):
    assert "human_request" not in say(text).triggers


TOPICS = [
    ("billing", "I was double billed this month"),
    ("billing", "you took money from my card two times"),
    ("billing", "my payment failed again"),
    ("billing", "I want a refund for my last order"),
    ("sales", "do you have enterprise pricing?"),
    ("sales", "can I get a custom quote for 50 seats"),
    ("privacy", "Please delete all my data under GDPR"),
    ("security", "I think my account was hacked"),
    ("security", "someone logged in from another country"),
    ("security", "my card was stolen"),
    ("legal", "I'm talking to my attorney about this"),
    ("legal", "we will take legal action"),
    ("churn", "I want to cancel my subscription"),
    ("churn", "please close my account"),
    ("churn", "honestly thinking of switching to a competitor, you're too expensive"),
    ("crisis", "this is an emergency, I need help now"),
    ("crisis", "URGENT"),
    ("crisis", "please help asap, our checkout has been down all morning"),
    ("crisis", "it's urgent: the payroll run is blocked"),
    ("churn", "is there a penalty if we leave before the contract ends?"),
    ("churn", "we're migrating the whole company off your platform"),
    ("security", "I gave my verification code to a man who said he was from your fraud team"),
    ("security", "there's a new device on my account, that wasn't me"),
    ("security", "all my air miles were redeemed last night and I never used them"),
    ("security", "the sender address on your 'invoice' email is not yours, it's a gmail"),
    ("churn", "we will no longer need our subscription after the merger"),
    ("churn", "please help me move my website away to another host"),
    ("sales", "we want to roll your platform out across our 40 franchise locations"),
    ("sales", "we need 60 licences for the new hires"),
    ("billing", "I was charged for a check-up that is covered by my plan"),
    ("billing", "the gift box never arrived but the money was taken"),
    ("security", "my flatmate bought games on my account without asking"),
    ("churn", "please close my account permanently"),
    ("security", "£300 has gone missing from my current account overnight"),
    ("security", "my old flatmate knows my password, please lock everything"),
    ("security", "I got a letter about a loan I never applied for"),
    ("billing", "the £20 voucher you promised never arrived"),
    ("churn", "we've gone with a different supplier, so this is our notice"),
    ("sensitive", "I'm being harassed by one of your drivers"),
    ("sensitive", "I use a screen reader and can't find the checkout button"),
    ("account_access", "I'm locked out of my account"),
    ("account_access", "I lost my phone and can't get my 2FA codes"),
    ("billing", "got two identical debits for my parking session this morning"),
    ("billing", "why did my sub jump from $9.99 to $15.99 with no notice"),
    ("security", "my account has a new profile in a language I don't speak, somebody's in there"),
    ("security", "my miles were redeemed by someone else, I never booked that trip"),
    ("security", "got a text with a link asking me to verify, clicked it before I realised"),
    ("churn", "that's it, cancelling. too many price hikes"),
    ("sales", "our school district is evaluating your platform, can someone walk us through it"),
    ("sales", "what would the price be for a fleet of twelve vans"),
    ("billing", "there's a £15 admin fee I was never told about"),
    ("security", "my ex still has access and keeps changing my settings"),
    ("security", "a delivery was redirected to an address I've never heard of"),
    ("security", "my balance dropped by £400 and I don't recognise the payee"),
    # email: the subject inside greetings and sign-offs
    ("security", "Hi, my login history shows sign-ins from a device in Brazil at 3am. I've never been there."),
    ("billing", "Hello, I bought the season pass and the money left my account but the pass never appeared"),
    ("sales", "Hello, I'd like to take the dual-fuel bundle if it's cheaper. What are the prices?"),
    # learners' English: no "do" before "not", base-form verbs, words carried over from Spanish or Portuguese
    ("churn", "after this problem i dont want continue being client of you"),
    ("churn", "how i can stop the renovation automatic? i not want continue next year"),
    ("churn", "i want to give low to my line, i change to another operator"),
    ("billing", "why you charge me the commission of 15 euro? nobody tell me about this"),
    ("billing", "they put me a penalty for late paying but i pay in time, i have the proof"),
    ("billing", "i was cancel the subscription but this month again you take the payment"),
    ("security", "i lost my phone with the app open, please block everything fast"),
    ("sales", "i am interesting in the plan for companies, can somebody send me the offer"),
    # an IT team's register: "we", "our org", admin words
    ("human_request", "is anyone from your devops team available to jump on a call? prod is affected"),
    ("human_request", "Can I get a named contact for this instead of the chatbot?"),
    ("security", "An admin account we deprovisioned last month just logged in and exported the user list"),
    ("security", "Our audit log shows someone disabled MFA for three users at 2am, none of us did that"),
    ("billing", "Invoice INV-20431 has VAT applied although we provided a valid EU VAT number"),
    ("billing", "You're invoicing us for the SSO add-on which was supposed to be included in our contract"),
    ("churn", "Kindly terminate our enterprise agreement at the next renewal date"),
    # young people's chat
    ("security", "my streaming profile has a new device in another country streaming rn"),
    ("churn", "gonna unsubscribe after this month ngl the new prices are wild"),
    ("billing", "bought coins and they never landed in my wallet but the money's gone"),
    ("human_request", "can a staff member hmu about my ban appeal, the form is broken"),
    # older customers
    ("human_request", "I'd be ever so grateful if someone could come to the phone and go through it with me slowly"),
    ("churn", "can you stop my television package, I don't watch it anymore and it's too dear"),
    ("sales", "how much would it be to add the sports channels for my husband"),
    # small businesses writing to their suppliers
    ("billing", "the promo pricing we agreed for Q3 wasn't applied to any of our orders"),
    ("security", "there are refunds processed on our terminal after closing time that none of our staff did"),
    ("churn", "we've had enough of the missed deliveries and won't be ordering from you again"),
    ("sales", "do you offer better rates for businesses taking over £50k a month in card payments"),
    ("frustration", "we keep getting the wrong items and have to send them back every single week"),
    ("human_request", "who can I actually speak to about the delivery schedule for my restaurant"),
    # long messages: the story first, the ask last
    ("human_request", "Hello, I've read your help pages on transferring a pension and I'm still not clear on the exit "
                      "charges. This is a big decision, so I'd rather talk it through with one of your advisers."),
    ("churn", "My husband passed away in the spring. I won't be needing the joint membership any more, and I'd like "
              "it closed."),
    ("churn", "I was promised a call back three times. At this point I'd rather take my mortgage somewhere that "
              "answers the phone."),
    ("security", "I got a letter thanking me for opening a credit account with you, with a card on the way. I have "
                 "not applied for anything with your company."),
    ("sales", "We saw your barn on a wedding website and we'd love to know your availability in June and what your "
              "packages include."),
    # insurance and health plans: "policy" is the customer's cover, not a rule of ours
    ("billing", "I cancelled the policy in March but the direct debit is still being collected"),
    ("billing", "The insurer renewed my car policy automatically at 940 when last year I paid 610 and nothing has "
                "changed."),
    ("security", "someone has made a claim on my policy that I know nothing about"),
    ("security", "there's a new named driver on my car insurance that I never added"),
    ("churn", "we've sold the car so I no longer need the cover, how do I cancel"),
    ("human_request", "I'd prefer to talk to the loss adjuster directly rather than go through the app"),
    ("human_request", "Please could I be put through to someone in the underwriting team?"),
    ("sales", "what would a family health plan cost for two adults and three children"),
    ("frustration", "I've been a loyal customer for 12 years and this is how you treat me"),
    ("frustration", "your app crashed while I was uploading my claim and now I have to start all over again, "
                    "brilliant"),
    # terse fragments
    ("human_request", "staff member?"),
    ("security", "not me, didnt log in"),
    ("security", "unknown login??"),
    ("churn", "close acct"),
    ("churn", "switching provider"),
    ("churn", "leaving"),
    ("sales", "demo please"),
    ("frustration", "fix it already"),
    ("frustration", "3rd time asking"),
    # Indian English in support chats: "do the needful", "since one month", a transaction "I have not done"
    ("security", "I received OTP for a transaction which I have not done, kindly check"),
    ("security", "my SIM got deactivated suddenly and now I am seeing transactions I did not do"),
    ("churn", "I want to port my number to another operator, kindly provide the UPC code"),
    ("sales", "I am interested in your business loan, please share the details and interest rate"),
    ("frustration", "I have been following up since one month and nobody is giving proper reply"),
    ("frustration", "you people are just giving false promises, nothing is resolved till now"),
    # students and parents
    ("human_request", "I'd like to talk to my course tutor directly about an extension"),
    ("human_request", "please put me in touch with the student finance team, the FAQ doesn't cover my case"),
    ("security", "a refund was sent to a bank account that isn't mine"),
    ("security", "my parent portal shows a new guardian added that we don't know"),
    ("churn", "I'm dropping out at the end of this semester, what do I need to do"),
    ("churn", "how do I leave the programme and get my deposit back"),
    # drivers, couriers and sellers writing to their platform
    ("human_request", "can a human review the customer's complaint against me, I have dashcam footage"),
    ("human_request", "get me someone from the courier operations team, the app sent me to a closed depot"),
    ("security", "a customer asked me to complete the delivery outside the app and pay me by bank transfer, is this "
                 "a scam"),
    ("frustration", "fed up of customers giving one star because the restaurant was slow and my rating dropping"),
    ("frustration", "I've driven for you for 5 years and you treat partners like dirt"),
    ("frustration", "your driver was rude to me, how do I report him"),
    # requests the human probe no longer reads at its bar of 0.98
    ("human_request", "I need a callback from the accounts department"),
    ("human_request", "put me onto your team leader please"),
    ("human_request", "i want whoever is in charge of deliveries in my area to contact me"),
    # understatement: the ask, the dispute or the fraud put politely
    ("human_request", "Perhaps someone with a bit more authority could take a look? No offence to the assistant."),
    ("human_request", "could somebody more senior ring me"),
    ("billing", "Slightly awkward, but the deposit you said would be returned hasn't been."),
    ("billing", "you told me the overpayment would be refunded and there's still no sign of it"),
    ("security", "I'd be grateful if you could look into a payment to an address I've never heard of."),
    # false friends of German, Dutch and French speakers: a chef is a boss, to prolong is to renew
    ("human_request", "I want to speak with your chef please, the bot does not understand me"),
    ("churn", "I want to give my notice for the contract at the next possible date"),
    ("churn", "We will not prolong the contract for next year"),
    ("sales", "Do you have special conditions for associations?"),
    # written on behalf of someone else
    ("billing", "My mum cancelled her gym membership in June but you've still been taking money every month"),
    ("billing", "On behalf of my client: the invoice you sent her includes hours that were never worked"),
    ("sales", "My wife runs a small bakery and is looking at your card readers, how much are they?"),
    ("sensitive", "please close my late husband's account, I've got the death certificate"),
    # reports asked as questions, suppositions of what did happen among them
    ("human_request", "Do you have actual people working there or is it all bots now?"),
    ("billing", "Should I be paying £15 more than last month? Nothing changed on my side."),
    ("billing", "What happens now that you've charged me for a month after I cancelled?"),
    ("billing", "What if I was overcharged, who do I talk to about getting it back?"),
    ("security", "What do I do if someone has already used my card details online?"),
    ("sales", "is there someone in sales who can get us a contract signed by Monday"),
    # tenants and their letting agent
    ("churn", "after how you handled the damp, we're leaving as soon as we can"),
    ("sales", "can I book a viewing for the commercial unit on the high street?"),
    ("human_request", "i want to spaek with a manger"),   # typed on a phone: a manger is a word, so not corrected
    # a crypto exchange's customers
    ("churn", "I'm moving my crypto to another exchange, how do I shut my account down"),
    ("churn", "how do I transfer everything out and end my relationship with you"),
    ("sales", "we're a fund looking for an institutional account, who can we talk to?"),
    ("human_request", "we're a fund looking for an institutional account, who can we talk to?"),
    ("human_request", "I want a call with an account manager about my frozen funds"),
    # said by what the customer does not want or did not do
    ("billing", "I never authorised this £49 payment"),
    ("security", "not me who added that new device, please lock it"),
    ("churn", "I don't want this subscription anymore, please end it"),
    ("churn", "no point keeping the membership if I never use it, cancel it please"),
    ("churn", "I'm not going to keep paying for something that doesn't work, cancel"),
    ("sales", "not a personal account, we want a business contract with invoicing"),
    # on someone else's word
    ("billing", "my bank flagged a payment to you that I don't recognise, £62.40"),
    ("security", "IT flagged that my work account signed in from two countries at once"),
    ("churn", "my kids have moved out so we won't be needing the family plan, cancel it please"),
    # a voice bot's transcripts: hesitations in and around the words
    ("human_request", "uh operator"),
    ("churn", "i want to um cancel my subscription"),
    ("sales", "uh do you do discounts for seniors or veterans"),
    ("sales", "is there a bundle if i get tv and internet together"),
    # reviews sent as messages
    ("human_request", "I've left two reviews already; all I'm asking for is a conversation with a manager."),
    ("security", "My account now shows a different phone number and I can't log in."),
    ("billing", "I don't want any more charges on my card after I cancelled"),   # not wanting is no denial
]
NOT_TOPICS = [
    ("sales", "got billed $14.99 for a free trial i cancelled on day 2, not cool"),     # a dispute, not a purchase
    ("human_request", "I see, may I have their contact number please?"),     # a restaurant's number, not ours
    ("churn", "Sorry about that, i'm leaving from norwich."),                  # a journey's start
    ("human_request", "can my daughter talk to you on my behalf, what do I need to do"),
    ("frustration", "i just finished taking out my recycling, so cross that off my to do list"),
    ("frustration", "I would prefer a hotel in the centre with 0 stars."),
    ("frustration", "Can you give me the address and postcode? I want to jot this down so I don't get lost"),
    ("sales", "Kindly terminate our enterprise agreement at the next renewal date"),   # ending is no purchase
    ("sales", "We were billed for the Enterprise tier after downgrading to Team last month"),
    ("billing", "The SLA says 4 hours for a P1. It's been two days. What exactly are we paying for?"),
    ("security", "How do I revoke access for a user who left the company?"),
    ("security", "How do we enforce MFA for all users in the workspace?"),
    ("sales", "i need the invoice of my last purchase for my company, where i find it"),
    ("churn", "i want to stay with you, i do not want to leave"),
    ("billing", "what is your refund policy?"),
    ("billing", "what's your policy on refunds for sale items, can I get my money back"),
    ("billing", "can I get a copy of my no claims discount proof"),
    ("churn", "how do I change network settings on my phone"),
    ("frustration", "can a human review the customer's complaint against me"),   # the complaint is not theirs
    ("frustration", "how do I report a customer who was rude"),   # a driver's customer, not us
    ("churn", "my internet keeps dropping out every evening"),
    ("human_request", "how do I book a meeting with my tutor"),
    ("frustration", "All right, then let's start all over again. I need a place to stay for 4 people."),
    ("churn", "I'm leaving a review, where do I post it"),
    ("sales", "can you quote the order number in your reply"),
    ("frustration", "I run a small building firm, can you quote for employers' liability and public liability"),
    ("billing", "in which cases can I get my money back?"),
    ("churn", "cancel the order I just placed"),
    ("churn", "I don't want to cancel my subscription, just pause it"),
    ("churn", "how do I cancel my reservation for Friday"),
    ("churn", "please cancel my subscription to your newsletter"),     # not_about: every hit, strong ones too
    ("billing", "in what situations can I ask for my money back?"),
    ("security", "where are my security settings?"),
    ("account_access", "how do I reset my password?"),
    ("crisis", "can I get an urgent delivery option?"),
    ("crisis", "can you send me the invoice asap"),            # urgency words alone qualify a routine request
    ("crisis", "move 400 dollars into my emergency savings account"),
    ("crisis", "I need the tracking number urgently"),
    ("churn", "if I leave now, will the parcel still be delivered today?"),
    ("churn", "I want to leave some feedback about the app"),
    ("billing", "do you offer refunds on sale items?"),
    ("sales", "how much is my electricity bill this month"),      # the customer's own figures, not our prices
    ("sales", "how much is left on my gift card"),
    ("sales", "how much is 20 euros in dollars"),
    ("sales", "how much did my last order cost"),
    ("billing", "can I change the date free of charge?"),
    ("billing", "how do I do a refund for a customer on the card machine"),   # the merchant's own customer
    ("sales", "how do I export sales data to our accounting software"),       # the customer's own sales
    ("frustration", "does no one know what time the shop opens?"),   # a question, not "why does no one ..."
    ("human_request", "My elderly father got a call from someone claiming to be from your fraud team"),   # an event
    ("human_request", "Can I use your product photos in a class? Is there anyone I should credit?"),
    ("human_request", "This is the fourth time. Each time I get a different person who asks me the same questions"),
    ("billing", "Is it possible to move the dates rather than cancel and pay the fee?"),
    ("churn", "It will probably be me taking my daughter elsewhere until he leaves."),
    ("frustration", "how much longer until my next day off"),
    ("sales", "the new per-seat pricing makes it too expensive for us to stay, how do we close the workspace"),
    ("sales", "the promo pricing we agreed for Q3 wasn't applied to any of our orders"),
    ("sales", "can I get my account manager to call me about my supplier terms"),
    ("legal", "is the food court open?"),
    ("churn", "that's it, cancelling my order, it's taking too long"),
    ("billing", "how long does the refund usually take to show up"),
    ("security", "what is the fraud protection on my card"),
    ("human_request", "my account has a new profile in a language I don't speak, somebody's in there"),
    ("human_request", "What is my actual balance?"),
    ("human_request", "the chef recommended the lamb, is it gluten free?"),
    ("churn", "can I prolong my contract for another year?"),
    ("sales", "are there special conditions for returning a sale item?"),
    ("legal", "How do I set up power of attorney access on my mother's account?"),
    ("sensitive", "my phone has died, how do I get my chats back"),
    ("sales", "where can I find a copy of my tenancy agreement?"),
    ("sales", "I'm leaving for a platform with lower fees, what's the process"),
    ("account_access", "I never got round to setting up two-factor, where do I turn it on"),
    ("sales", "how do I see what's in my current plan?"),
    ("legal", "our legal team asked where your data centres are"),
    ("sales", "the sales team at my company uses your app daily, how do I give them edit rights?"),
    ("sales", "a friend recommended you, how do I sign up for the free plan?"),
    ("human_request", "I had a call with your manager yesterday and he said the refund was approved"),
]


@pytest.mark.parametrize("trigger,text", TOPICS)
def test_topic_fires(say, trigger, text):
    assert trigger in say(text).triggers


@pytest.mark.parametrize("trigger,text", NOT_TOPICS)
def test_topic_hard_negatives(say, trigger, text):
    assert trigger not in say(text).triggers


def test_typo_tolerance_reads_misspelled_trigger_words(say):
    assert "billing" in say("I want a refnud").triggers
    assert "legal" in say("my atorney will call you").triggers


def test_ordinary_words_are_never_corrected_into_triggers(say):
    assert "billing" not in say("I changed my address twice").triggers


def test_a_misspelling_of_an_ordinary_word_is_not_corrected_into_a_lexicon_word():
    matcher = PhraseMatcher([LexiconSpec("x", ("supposed", "reimburse"))],
                            known_words=frozenset({"surprised", "i", "was", "please", "me"}))
    assert "x" not in matcher.scan("i was suprised").hits        # two edits from "supposed", one from "surprised"
    assert "x" in matcher.scan("please reimbvurse me").hits      # a typo of the lexicon word itself


def test_known_words_are_never_corrected(say):
    # "onboarding" is missing from the dictionary and two edits from "offboarding" (churn)
    assert "churn" not in say("what does onboarding look like for a company of our size").triggers


def test_hyphens_and_spacing_are_folded(say):
    assert "billing" in say("I was double-billed").triggers
    assert "human_request" in say("talk   to a    HUMAN").triggers


@pytest.mark.parametrize("text", ["this is f*cking useless", "what the sh!t is going on", "F**K THIS APP"])
def test_masked_profanity_is_frustration(say, text):
    d = say(text)
    assert "frustration" in d.triggers
    assert "profanity" in d.trace["signals"]["frustration"]["detail"]


# A letter's courtesy ("Dear team", "Please", "Kind regards") and the words of the support process ("help",
# "promised", "support") are no feeling: they must not make an angry message read as a positive one.
LETTERS_AND_LEARNERS = [
    "Dear team, I have now spent a total of five hours on this. I'm at the end of my tether. Please just fix it.",
    "Good afternoon. I was promised a call back on Monday, then on Wednesday, and now it's Friday. "
    "I'm beyond annoyed at this point.",
    "Hi. This is the fourth email I've sent about the same issue and every reply is a copy-paste. Sam",
    "incredible, two weeks without internet and you only say wait wait wait",
    "is a shame how you treat the clients, nobody help me"]


@pytest.mark.parametrize("text", LETTERS_AND_LEARNERS + ["WHY IS MY ORDER STILL NOT HERE", "This is ridiculous, nothing works!!!",
                                  "whatever, forget it", "you are useless", "your new app is garbage",
                                  "I have been more than patient with you people",
                                  "oh wonderful, yet another canned answer", "why do I even bother writing to you",
                                  "great, another form to fill in, exactly what I needed",
                                  "thanks for wasting my whole afternoon",
                                  "the app crashes every time and your support just sends the same link",
                                  "why does nobody there know what they're doing",
                                  "I want to know why nobody bothered to tell me",

                                  "the third engineer that hasn't turned up, I've taken another day off work",
                                  "The SLA says 4 hours for a P1. It's been two days. What exactly are we paying for?",
                                  "Stop closing my tickets as resolved when nothing has been fixed",
                                  "Your API has been returning 500s for six hours and nobody from your side has "
                                  "said a word",
                                  "wow amazing, another 'we're experiencing high volume' message. love that for me",
                                  "y'all really need to get it together, this is embarrassing",
                                  "I'm so cross, they've cut my phone off and I paid the bill",
                                  # understatement and courtesy worn thin
                                  "As I've now explained three times, the parcel was never delivered.",
                                  "I'm sure you're very busy, but this is the fifth time I've asked.",
                                  "With respect, this is not good enough, and I think you know that.",
                                  "I'm trying very hard to stay polite here, but my patience is wearing thin.",
                                  "Thanks ever so much for the link to the FAQ I'd already read. Very helpful.",
                                  "I'd hoped for rather better than this, to be honest.",
                                  "I have no more nerves for this", "I lose my patience with you",
                                  "It is unbelievable, again the delivery did not come",
                                  "you people are unbelievable",
                                  "Your company keeps sending my late mother letters after I've told you twice she "
                                  "has died",
                                  "Is anyone actually reading these messages or am I talking to a wall?",
                                  "Why does nothing ever work with your company?",
                                  "What is the point of a support chat that can't answer a single question?",
                                  "How is it acceptable to leave a customer without internet for ten days?",
                                  "Does anyone there actually care?",
                                  "we're losing customers every minute your system is down, this is a disaster",
                                  "I can't believe I'm stuck at the airport because of your mistake",
                                  "how hard is it to fix a front door lock? it's been a month",
                                  "you people are clueless, three tickets and no answer",
                                  # in denials
                                  "I'm not asking again, this is the last time",
                                  "none of your suggestions have helped, not one",
                                  "don't tell me to restart it again, I've done it ten times",
                                  # others' verdicts, reported
                                  "my colleagues have given up on your support, and so have I",
                                  "my friend warned me about you, I should have listened",
                                  "your engineer told my wife he'd come back on Tuesday, he never did, again",
                                  # a voice bot's transcripts
                                  "i already told the last person all of this why do i have to repeat it",
                                  "your system keeps hanging up on me",
                                  "every month it's something new with you guys",
                                  "what's the point of this chat if you can't answer anything",
                                  # two requests in one message, one of them a reproach
                                  "Your app crashed again and I lost my basket, AGAIN. What's going on?",
                                  "The bot gave me the wrong answer twice, so let's try again: how do I cancel?",
                                  "Two questions, and please actually read them this time.",
                                  "Why is this so complicated? I just want to change my address and my card."])
def test_frustration_markers(say, text):
    assert "frustration" in say(text).triggers


@pytest.mark.parametrize("text", ["Thanks!!! That worked", "I need to cancel the order, wrong size",
                                  "my package is missing", "Looks f*cking delicious",
                                  "damn it, that was quick, thanks so much!",
                                  "can you remind me to put the trash bags out tonight",
                                  "can you explain the charges on a typical bill",
                                  "the new camera is unbelievable, the photos are so sharp",
                                  "the flood was a total disaster, can I pause my bill for a month",
                                  "how hard is it to set up the app on a new phone?",
                                  "our team won AGAIN, what a season"])   # capitals, but not about us
def test_problem_descriptions_and_joy_are_not_frustration(say, text):
    d = say(text)
    assert "frustration" not in d.triggers and d.action != "escalate"


# Messages from social channels: an @mention is an address, not words; emoji and shorthand carry the tone.
@pytest.mark.parametrize("text", ["@FlyNorth 2 hrs on hold and then it hung up on me. unreal 😡",
                                  "@ParcelGo driver left my parcel in the rain AGAIN 🙄",
                                  "@Vodaline 3rd outage this week smh"])
def test_frustration_on_social_channels(say, text):
    assert "frustration" in say(text).triggers


@pytest.mark.parametrize("text", ["@ZipBank thanks for the quick help today 🙌", "@ShopKart do you deliver to Belfast?",
                                  "I do NOT want to cancel, just pause it",
                                  "perfect, another question: how do I change my address"])
def test_social_channel_routine_stays_routine(say, text):
    d = say(text)
    assert not {"frustration", "negative_sentiment"} & set(d.triggers) and d.action == "respond"


def test_mentions_make_no_words_and_emoji_are_words():
    from warmline.core.text import tokenize, without_mentions
    text = "@AcmeHelp can @Bo's team email bob@acme.com 😡"
    assert [t.norm for t in tokenize(text).tokens] == ["can", "team", "email", "bobacme", "com", "😡"]
    assert without_mentions(text) == "can team email bob@acme.com 😡"
    assert without_mentions("call me back @11:30 please") == "call me back @11:30 please"   # a time, not a handle


def test_sentences_end_at_a_stop_before_a_space_and_at_a_line_break():
    from warmline.core.text import sentences
    assert sentences("It cost $14.99 a month. Then I was charged twice\nThanks… Kim  ") == [
        "It cost $14.99 a month.", "Then I was charged twice", "Thanks…", "Kim"]


def test_an_address_does_not_stop_a_one_word_request(say):
    assert say("@AcmeHelp agent 😡").action == "escalate"


@pytest.mark.parametrize("text", ["genuinely the least helpful company I've ever dealt with",
                                  "I've lost count of how many times I've been promised a fix"])
def test_grievances_without_anger_are_at_least_an_offer(say, text):
    assert {"negative_sentiment", "frustration"} & set(say(text).triggers)


@pytest.mark.parametrize("text", ["Dear team, could you please help me update my address? Kind regards, Ana",
                                  "Hi, can you help me sort this out please",
                                  "I need help to solve troubles with payment",
                                  "I hate to be a pain, but how do I change the delivery address on my order?",
                                  "Sorry to bother you, but where would I find last month's invoice?",
                                  "my English is not good enough to fill the form, can you help"])
def test_courtesy_and_problem_words_are_not_negative(say, text):
    assert not {"frustration", "negative_sentiment"} & set(say(text).triggers)


def test_a_negation_stays_in_its_clause(engine, say):
    """VADER negates a word up to three words after "never" or "not", across a comma: "nothing works, terrible
    app" would read positive. Warmline keeps a negation inside its clause."""
    analyzer = engine.policy.sentiment
    for text in ["nothing works, terrible app", "Never again, terrible service", "I can't, it's horrible",
                 "cannot believe how bad this has been"]:
        assert analyzer.polarity_scores(text)["compound"] < -0.3, text
    assert analyzer.polarity_scores("not good")["compound"] < 0 < analyzer.polarity_scores("not bad at all")["compound"]
    assert {"frustration", "negative_sentiment"} & set(say("your app not function never, is a disaster").triggers)


def test_like_in_a_request_or_a_comparison_is_no_praise(engine, say):
    analyzer = engine.policy.sentiment
    for text in ["I'd like a refund", "I would like a refund", "it feels like nobody reads these", "like 20 times"]:
        assert analyzer.polarity_scores(text)["compound"] == 0, text
    assert analyzer.polarity_scores("you treat partners like dirt")["compound"] < 0   # VADER alone: +0.42
    assert analyzer.polarity_scores("I like it")["compound"] > 0.3
    assert analyzer.polarity_scores("we don't like the new design")["compound"] < 0
    # VADER read the request as praise, and the verdict after it did not count
    assert "frustration" in say("I would like an answer, I am fed up").triggers


def test_an_apology_for_asking_is_no_anger(engine):
    analyzer = engine.policy.sentiment
    for text in ["I hate to bother you", "I hate to be a pain", "sorry to be a nuisance", "sorry to bother you"]:
        assert analyzer.polarity_scores(text)["compound"] == 0, text
    assert analyzer.polarity_scores("I hate this app")["compound"] < -0.3
    assert analyzer.polarity_scores("what a pain this is")["compound"] < -0.3
    assert analyzer.polarity_scores("I hate to say it but your service is appalling")["compound"] < -0.3


def test_mild_negative_sentiment(say):
    d = say("I'm quite disappointed with how long this takes")
    assert {"negative_sentiment", "frustration"} & set(d.triggers)
    assert d.sentiment < -0.3


@pytest.mark.parametrize("confidence,trigger", [(0.3, "low_confidence"), (0.5, "medium_confidence"),
                                                (0.7, "check_confidence"), (0.9, None)])
def test_confidence_bands(say, confidence, trigger):
    d = say("how do I export a report?", draft={"text": "Use Reports > Export.", "confidence": confidence})
    bands = {"low_confidence", "medium_confidence", "check_confidence"}
    assert bands & set(d.triggers) == ({trigger} if trigger else set())


def test_amount_over_threshold_with_currency(say):
    d = say("I was charged €250 for nothing")
    assert "amount_over_threshold" in d.triggers
    assert any("250 > 100" in r.detail for r in d.reasons)


def test_small_amount_is_not_over_threshold(say):
    assert "amount_over_threshold" not in say("I was charged $40 twice").triggers


def test_amount_from_message_facts(say):
    d = say("I was charged twice", facts={"amount": 180})
    assert "amount_over_threshold" in d.triggers


def test_refund_beyond_policy_from_facts_and_from_dates(say):
    assert "refund_beyond_policy" in say("I want a refund", facts={"order_age_days": 120}).triggers
    assert "refund_beyond_policy" in say("I want a refund for the order from 2026-03-01").triggers
    assert "refund_beyond_policy" not in say("I want a refund for the order from 2026-10-20").triggers


def test_facts_are_extracted(say):
    d = say("order #A12345 cost $1,299.50, email me at ada@example.com, bought on March 3")
    extracted = d.trace["measures"]["extracted"]
    assert extracted["amounts"] == [1299.5]
    assert extracted["order_ids"] == ["A12345"]
    assert extracted["emails"] == ["ada@example.com"]
    assert extracted["dates"] == ["2026-03-03"]


@pytest.mark.parametrize("draft", [
    "Good news: I have issued a refund of $80 to your card.",
    "You will receive a full refund under our bereavement policy.",
    "As an exception, I can waive the cancellation fee.",
    "I can give you a 30% discount on your next renewal.",
    "Under GDPR you are not entitled to a copy of that data.",
    "We are fully compliant with CCPA, so there is no issue.",
])
def test_risky_drafts_are_held(say, draft):
    d = say("can you help me with this?", draft={"text": draft, "confidence": 0.95})
    assert "risky_draft" in d.triggers
    assert d.action == "escalate"
    assert draft not in (d.reply or "")


@pytest.mark.parametrize("draft", [
    "Our refund policy allows refunds within 30 days of purchase.",
    "I can't offer a refund, but I can connect you with our billing team.",
    "You can find your invoices under Settings > Billing.",
])
def test_safe_drafts_go_out(say, draft):
    d = say("what is your refund policy?", draft={"text": draft, "confidence": 0.95})
    assert "risky_draft" not in d.triggers
    assert d.action == "respond"


def test_approved_draft_intent_is_not_risky(say):
    d = say("I want to cancel my subscription",
            draft={"text": "I can offer you 20% off if you stay.", "confidence": 0.9, "intent": "retention_save"})
    assert "risky_draft" not in d.triggers


def test_vip_and_at_risk_segments(say):
    assert "vip" in say("hello", customer={"plan": "Enterprise"}).triggers
    assert "at_risk" in say("hello", customer={"plan": "pro", "tags": ["at_risk"]}).triggers
    assert "at_risk" in say("hello", customer={"plan": "pro", "failed_payments": 3}).triggers
    assert "at_risk" not in say("hello", customer={"plan": "pro", "failed_payments": 1}).triggers


def test_vader_shortcut_agrees_with_vader(engine):
    from warmline.core.signals.sentiment import vader_compound
    analyzer = engine.policy.sentiment
    for text in ["where is my parcel 1234", "I love it", "the app is slow and broken", "ok", "WHY", ":) thanks",
                 "no", "not bad at all", "kind of meh", "Café closed 😡"]:
        assert vader_compound(analyzer, text) == analyzer.polarity_scores(text)["compound"]


def test_a_near_rule_reads_its_pair_in_either_order_only_when_asked():
    either = LexiconSpec("either", near=(Near(("asap",), ("help",), 3, either_order=True),))
    cue_first = LexiconSpec("cue_first", near=(Near(("asap",), ("help",), 3),))
    matcher = PhraseMatcher([either, cue_first])
    target_first = matcher.scan("please help me asap")
    assert "either" in target_first.hits and "cue_first" not in target_first.hits
    assert target_first.first("either").phrase == "help … asap"       # the evidence in reading order
    assert {"either", "cue_first"} <= set(matcher.scan("asap, I need help").hits)
    assert "either" not in matcher.scan("help with my order, it can wait, no rush at all, not asap").hits


def test_a_negator_inside_a_cue_does_not_negate_its_target():
    """"don't want … being your customer": the negation is the cue's own; a negation before the cue still vetoes."""
    leaving = LexiconSpec("leaving", negatable=True, near=(Near(("do not want",), ("being your customer",), 3),),
                          phrases=("leave",))
    matcher = PhraseMatcher([leaving], negators=("not", "never"))
    assert "leaving" in matcher.scan("I don't want to continue being your customer").hits
    assert "leaving" in matcher.scan("i dont want continue being your customer").hits
    assert "leaving" not in matcher.scan("I never said I don't want to be your customer, I won't leave").hits


def test_a_factual_trigger_inside_a_supposition_does_not_count():
    """A dispute or an incident is something that happened; asked about as a possibility it is a question."""
    incident = LexiconSpec("incident", factual=True, phrases=("charged twice",),
                           near=(Near(("someone",), ("my password",), 3),))
    matcher = PhraseMatcher([incident, LexiconSpec("hypotheticals", phrases=("what happens if", "would i be"))])
    for text in ["What happens if someone else uses my password?", "Would I be charged twice if I update my card?",
                 "Would I be, I wonder, charged twice for this?"]:
        scan = matcher.scan(text)
        assert "incident" not in scan.hits and "incident" in scan.vetoed, text   # nor may the semantic layer read it
    for text in ["why would I be charged twice?",                            # a dispute asked why
                 "what happens if someone has used my password?",            # it happened
                 "What happens if I dispute it? I was charged twice",        # another sentence
                 "I was charged twice, would I be refunded?"]:               # the trigger before the supposition
        assert "incident" in matcher.scan(text).hits, text
    assert "incident" in PhraseMatcher([replace(incident, factual=False), LexiconSpec(
        "hypotheticals", phrases=("would i be",))]).scan("Would I be charged twice?").hits


def test_a_deniable_trigger_right_after_a_denial_does_not_count():
    """"I don't need a human": the customer says what they do not want; a negation elsewhere, or a denial farther
    off or in another clause, leaves the trigger standing."""
    person = LexiconSpec("person", deniable=True, phrases=("need a human", "a human", "refund"),
                         near=(Near(("problem",), ("bill",), 3),))
    matcher = PhraseMatcher([person, LexiconSpec("denials", phrases=("do not need", "no need for",
                                                                      "do not have a problem with"))])
    for text in ["I don't need a human, just your opening hours",      # the hit begins inside the denial
                 "no need for a refund, when does it ship?",            # one word after it
                 "I don't have a problem with the bill, I need a copy"]:  # a near pair's cue inside it
        scan = matcher.scan(text)
        assert "person" not in scan.hits and "person" in scan.vetoed, text   # nor may the semantic layer read it
    for text in ["I don't need another link, I need a human",           # another clause
                 "I don't need much, only my refund",                   # farther than a word
                 "I never got a refund"]:                               # a negation is no denial
        assert "person" in matcher.scan(text).hits, text
    assert "person" in PhraseMatcher([replace(person, deniable=False), LexiconSpec(
        "denials", phrases=("do not need",))]).scan("I don't need a human").hits


@pytest.mark.parametrize("text", [
    # a question about what would happen
    "What happens if someone else uses my password?",
    "What should I do if I ever see a login I don't recognise?",
    "Would I be charged twice if I update my card mid-month?",
    "If I cancel my order today, will I get the refund on my card?",
    "will i get charged extra if i use my card while in italy",   # an opening that ends in the trigger's first word
    # what the customer does not need or want
    "I don't need a human, just tell me your opening hours",
    "no need for a refund, I just want to know when my order ships",
    "I don't have a problem with the bill, I just need a copy of it",
    "I'm not looking to upgrade, what does my plan include?",
    "no one has hacked me, I just forgot my password, how do I reset it"])
def test_a_supposed_or_denied_trigger_is_routine(say, text):
    d = say(text)
    assert not {"human_request", "billing", "sales", "security"} & set(d.triggers) and d.action == "respond"


def test_a_phrase_matches_with_softening_words_left_out():
    """"who can I actually speak to": a word that only softens or stresses does not break a phrase; the evidence
    is the customer's own words, and phrases that have the word keep matching with it."""
    matcher = PhraseMatcher([LexiconSpec("person", phrases=("who can i speak to", "just give me")),
                             LexiconSpec("leaving", negatable=True, phrases=("cancel",))], negators=("not",))
    found = matcher.scan("who can I actually speak to about this")
    assert found.first("person").phrase == "who can i speak to"
    assert found.text.quote(found.first("person").first, found.first("person").last)[2] == "who can I actually speak to"
    assert matcher.scan("just give me a number").has("person")
    assert len(matcher.scan("who can I really, really speak to").hits["person"]) == 1
    assert not matcher.scan("who can I speak with").has("person")
    assert "leaving" in matcher.scan("I do not really want to cancel").vetoed   # the negation still reaches
    # one lexicon's phrase with the word and another's without it, over the same words: both found
    both = PhraseMatcher([LexiconSpec("with", phrases=("who can i really speak to",)),
                          LexiconSpec("without", phrases=("who can i speak to",))])
    assert {"with", "without"} <= set(both.scan("who can I really speak to").hits)


def test_remembered_scans_are_the_scans_and_stay_bounded():
    """Hostile or endless input must not grow memory: the memo holds a bounded number of short texts."""
    matcher = PhraseMatcher([LexiconSpec("refund", phrases=("refund",))])
    assert matcher.scan_memoised("I want a refund").hits == matcher.scan("I want a refund").hits
    for i in range(MEMO_SIZE + 50):
        matcher.scan_memoised(f"refund number {i}")
    matcher.scan_memoised("refund " * MEMO_MAX_CHARS)
    assert len(matcher._scans) <= MEMO_SIZE
    assert "refund " * MEMO_MAX_CHARS not in matcher._scans
