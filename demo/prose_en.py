"""English article text for the demo crawl: a small phrase grammar over a dozen topics.

Real pages cannot be bundled, so the demo writes its own prose. The text has to pass the
same checks real prose passes (Gopher quality and repetition rules, English language ID)
while no two articles look alike under word-5-gram MinHash. Both follow from one rule:
sentences are built from short phrases (four words or fewer of fixed text between slots),
so every 5-gram straddles two or more random choices, and within one article each phrase
list is dealt like a shuffled deck, so a phrase comes back only after all the others have.
"""
from __future__ import annotations

import random


def phrases(s: str) -> list[str]:
    return [x.strip() for x in s.split("|") if x.strip()]


# Vocabulary per topic. subj/obj are noun phrases with their article; plural has none, so
# templates can say "the {plural}" or "{num} {plural}". vpast/vbase are transitive verbs.
TOPICS = {
    "cooking": dict(
        subj="the head chef|our neighbour|a young baker|the night cook|my grandmother|the kitchen team|a food writer|the pastry cook|the cafe owner|a retired butcher|the cookery teacher|my brother|the market trader|a hungry student",
        vpast="roasted|tasted|seasoned|simmered|baked|sliced|whisked|served|prepared|grilled|folded|kneaded|stirred|chopped|glazed|marinated",
        vbase="roast|taste|season|simmer|bake|slice|whisk|serve|prepare|grill|fold|knead|stir|chop",
        obj="the sourdough loaf|a lentil soup|the tomato sauce|the root vegetables|the lemon tart|fresh pasta|the garlic butter|a spiced pumpkin stew|the chicken stock|a bowl of rice|the apple crumble|a plate of dumplings|the onion gravy|the wild mushrooms|the rye cracker dough|a jar of pickles",
        adj="crisp|tender|smoky|bitter|fragrant|rich|tangy|silky|crumbly|golden|salty|buttery|mild|sticky",
        adjunct="in an iron pan|over a low flame|before the guests arrived|with sea salt|in the old oven|for the Sunday lunch|at the village fair|on a cold evening|with too much pepper|in the back kitchen|for the school canteen|at the harvest supper|under a clean cloth|with fresh herbs",
        ger="chopping the onions|proving the dough overnight|stirring the risotto|peeling potatoes|rolling out pastry|toasting the spices|cleaning the mussels|reducing the sauce",
        plural="home cooks|bakers|diners|kitchen porters|food critics|regular customers|apprentices|market stalls",
        role="a pastry chef|the cafe owner|a cookery teacher|a food blogger|the head waiter",
        thing="sourdough|lentil soup|winter stews|fresh pasta|pickles|pumpkin pie|street food|dumplings"),
    "travel": dict(
        subj="the tour guide|a pair of backpackers|the ferry captain|our driver|a retired couple|the hotel manager|the local ranger|a family from abroad|the night porter|my travel companion|the station master|a group of hikers",
        vpast="booked|explored|photographed|crossed|visited|mapped|missed|rented|followed|recommended|discovered|climbed|toured|packed",
        vbase="book|explore|photograph|cross|visit|map|rent|follow|recommend|discover|climb|pack",
        obj="the coastal path|a cheap room|the old harbour|the mountain pass|a night train|the cathedral square|the river cruise|a rental car|the hidden beach|the market hall|a guided walk|the ferry timetable|the castle ruins|a quiet campsite|the island bus",
        adj="crowded|peaceful|expensive|breathtaking|remote|charming|windy|overrated|affordable|sunny|muddy|lively|steep",
        adjunct="during the high season|at dawn|on the last day|with a paper map|in the pouring rain|after a long flight|near the border|for under ten euros|along the northern coast|in the old town|before the crowds came|on a rented bicycle",
        ger="waiting for the ferry|walking the ridge|haggling at the market|changing trains twice|swimming in the bay|reading the timetable|queueing for tickets|sleeping on buses",
        plural="tourists|hikers|cyclists|locals|guides|hotel guests|day trippers|travel writers",
        role="a tour guide|the harbour master|a travel agent|a mountain guide|the campsite owner",
        thing="island hopping|night trains|city breaks|mountain huts|slow travel|coastal walks|border towns|camping"),
    "local_news": dict(
        subj="the town council|the mayor|local residents|the fire brigade|a group of parents|the parish committee|the police|the bus company|a shop owner|the planning office|the school board|the library trust",
        vpast="approved|rejected|debated|delayed|announced|funded|opened|closed|repaired|questioned|reviewed|cancelled|supported|inspected",
        vbase="approve|reject|debate|delay|announce|fund|open|close|repair|question|review|support",
        obj="the new cycle lane|a housing plan|next year's budget|the bridge repairs|the weekly market|a petition about parking|the old swimming pool|the school crossing|a new bus route|the speed limit|the community garden|the empty shop units|the flood defences|the street lighting",
        adj="controversial|overdue|popular|expensive|temporary|unexpected|modest|urgent|disputed|welcome|costly|quiet",
        adjunct="at the monthly meeting|after months of complaints|on Main Street|near the primary school|in the council chamber|behind the railway station|before the summer holidays|at a packed hearing|on the north side|without much debate|despite strong objections|by a narrow vote",
        ger="closing the high street|raising the parking fees|moving the market|cutting the library hours|painting the old bridge|planting street trees|widening the ring road|rebuilding the pier",
        plural="residents|councillors|shop owners|commuters|parents|volunteers|taxpayers|pensioners",
        role="a councillor|the council spokesperson|a shop owner|the head teacher|a local campaigner",
        thing="parking fees|the high street|the new bypass|school places|the weekly market|flood defences|bus routes|the town budget"),
    "science": dict(
        subj="the research team|a young physicist|the laboratory|a group of biologists|the observatory|our chemistry teacher|the field station|a graduate student|the survey ship|an international consortium|the museum curator|a marine ecologist",
        vpast="measured|observed|sampled|modelled|published|recorded|replicated|analysed|detected|calibrated|tested|simulated|catalogued|sequenced",
        vbase="measure|observe|sample|model|publish|record|replicate|analyse|detect|calibrate|test|simulate",
        obj="the water temperature|a faint radio signal|the soil bacteria|the migration routes|a new beetle species|the ice cores|the magnetic field|the coral growth|the pollen record|a distant comet|the protein structure|the river sediment|the bird song|the seismic data|the ocean currents",
        adj="surprising|puzzling|consistent|noisy|precise|preliminary|unusual|robust|faint|significant|fragile|complex",
        adjunct="in the deep sea|over three field seasons|with a borrowed microscope|under controlled conditions|beside the glacier|in a small greenhouse|during the solar eclipse|with a cheap sensor|across forty sites|in the university basement|before the instruments froze|on a tiny budget",
        ger="repeating the experiment|counting samples by hand|cleaning the lenses|writing the analysis code|drilling through the ice|tagging the seals|logging every reading|checking the calibration",
        plural="researchers|students|reviewers|technicians|astronomers|ecologists|volunteers|chemists",
        role="a physicist|the lead author|a marine biologist|a lab technician|the project leader",
        thing="ice cores|coral reefs|soil microbes|comets|bird migration|ocean currents|fossil pollen|earthquakes"),
    "sport": dict(
        subj="the home side|the young striker|the veteran goalkeeper|the coach|the visiting team|the captain|the referee|the youth squad|a substitute|the rowing crew|the club physio|the county champion",
        vpast="won|lost|defended|attacked|dominated|missed|saved|scored|trained for|celebrated|chased|conceded",
        vbase="win|lose|defend|attack|dominate|miss|save|score|train for|celebrate|chase",
        obj="the final match|a late penalty|the league title|the second half|the relay race|a narrow lead|the cup replay|the opening set|the derby|a free kick|the championship round|the return leg|the time trial|the corner",
        adj="nervous|brilliant|scrappy|dramatic|disappointing|relentless|tactical|physical|tense|one-sided|heroic|sloppy",
        adjunct="before a full stadium|in the last minute|on a muddy pitch|after a long injury|under the floodlights|in heavy wind|away from home|at the indoor arena|during extra time|with ten men|on the final lap|despite the rain",
        ger="pressing high|defending set pieces|rotating the squad|running hills in winter|taking penalties|sprinting the final bend|holding the ball|changing the formation",
        plural="supporters|players|coaches|season ticket holders|referees|sprinters|rowers|club members",
        role="the club captain|a former player|the head coach|a season ticket holder|the team doctor",
        thing="penalty shootouts|the relegation battle|youth football|cross country|the cup run|rowing|amateur boxing|village cricket"),
    "gardening": dict(
        subj="my neighbour|the allotment society|the head gardener|an old farmer|the garden centre|my aunt|a group of volunteers|the park keeper|our family|the school garden club|a beekeeper|the nursery owner",
        vpast="planted|pruned|watered|harvested|mulched|sowed|dug|divided|composted|weeded|staked|grafted|repotted|fed",
        vbase="plant|prune|water|harvest|mulch|sow|dig|divide|compost|weed|stake|graft|repot",
        obj="the climbing roses|the runner beans|the apple trees|the herb border|the tomato plants|a bed of tulips|the lavender hedge|the strawberry patch|the potato crop|the young seedlings|the old pear tree|the raised beds|a pot of basil|the rhubarb",
        adj="healthy|leggy|overgrown|fragrant|stubborn|thirsty|tender|sturdy|abundant|patchy|woody|lush",
        adjunct="in early spring|after the last frost|along the south wall|in heavy clay soil|on the allotment|before the heatwave|under the greenhouse glass|under the oak|in late summer|with leaf mould|in a sheltered corner|by the compost heap",
        ger="turning the compost|saving seeds|fighting the slugs|building a cold frame|collecting rainwater|pinching out side shoots|digging in manure|netting the fruit",
        plural="gardeners|allotment holders|beekeepers|growers|volunteers|neighbours|nursery workers|seed savers",
        role="an allotment holder|the head gardener|a seed collector|the nursery owner|a beekeeper",
        thing="tomatoes|climbing roses|compost|raised beds|seed saving|fruit trees|slugs|winter vegetables"),
    "history": dict(
        subj="the medieval monks|a local historian|the archive|the first settlers|the old mill owner|a wealthy merchant|the parish priest|the archaeologists|a travelling printer|the guild of weavers|the Roman garrison|the lighthouse keeper",
        vpast="built|recorded|abandoned|defended|traded|restored|copied|buried|mapped|taxed|founded|rebuilt|sold|inherited",
        vbase="build|record|abandon|defend|trade|restore|copy|bury|map|tax|found|rebuild|sell",
        obj="the stone bridge|a parish register|the town walls|the old market cross|a chest of letters|the watermill|the abbey library|a trading charter|the coaching inn|the harbour wall|the tax rolls|the chapel bells|the first school|the salt road",
        adj="forgotten|remarkable|crumbling|disputed|prosperous|obscure|fortified|ancient|modest|ambitious|neglected|famous",
        adjunct="in the twelfth century|after the great fire|during the siege|by the river|under the old charter|before the railway came|in a damp cellar|beside the moor|during the plague years|by candlelight|at the crossroads|in the county records",
        ger="copying manuscripts|collecting tolls|draining the marshes|rebuilding after the flood|printing pamphlets|digging the canal|keeping the parish books|trading wool",
        plural="merchants|monks|farmers|historians|weavers|pilgrims|soldiers|scribes",
        role="a local historian|the county archivist|an archaeologist|a museum volunteer|the parish clerk",
        thing="the old mill|medieval roads|the wool trade|parish records|the town walls|lost villages|coaching inns|the canal age"),
    "technology": dict(
        subj="the software team|a junior developer|the startup|our IT department|the open source project|a security researcher|the hardware lab|the support desk|a freelance designer|the data team|the city network office|a retired engineer",
        vpast="released|patched|debugged|rewrote|tested|deployed|benchmarked|migrated|designed|documented|refactored|archived|automated|monitored",
        vbase="release|patch|debug|rewrite|test|deploy|benchmark|migrate|design|document|refactor|automate",
        obj="the mobile app|a memory leak|the old database|the login page|a new laptop|the backup system|the home router|the compiler|a small sensor board|the search feature|the billing code|the office printer|the spam filter|an old server",
        adj="reliable|sluggish|buggy|elegant|fragile|secure|outdated|fast|clunky|experimental|portable|noisy",
        adjunct="over the weekend|in a single afternoon|after a long outage|on a cloud server|with little code|before the product launch|in the server room|for thousands of users|during the night shift|with help from volunteers|on an old laptop|behind a firewall",
        ger="reading the error logs|writing unit tests|upgrading the firmware|rebooting the servers|cleaning up old code|answering support tickets|tuning the database|reviewing pull requests",
        plural="developers|users|engineers|testers|students|administrators|designers|customers",
        role="a software engineer|the project maintainer|a security researcher|the head of IT|a hardware hacker",
        thing="old laptops|open source|home networks|password managers|small robots|backups|mobile apps|spam filters"),
    "health": dict(
        subj="the family doctor|a team of nurses|the local clinic|a physiotherapist|my uncle|the pharmacist|the hospital board|a group of runners|the health visitor|a dentist|the school nurse|a patient",
        vpast="recommended|treated|checked|monitored|prescribed|tracked|reduced|improved|avoided|described|studied|measured",
        vbase="recommend|treat|check|monitor|prescribe|track|reduce|improve|avoid|describe|study|measure",
        obj="the blood pressure|a sprained ankle|the winter flu|a daily walk|the sugar intake|a sleep routine|the back pain|the vaccination plan|a stretching programme|the waiting list|a healthy breakfast|the allergy symptoms|the heart rate|the screen time",
        adj="gradual|stubborn|mild|painful|common|manageable|serious|steady|helpful|exhausting|simple|rare",
        adjunct="over six weeks|at the walk-in clinic|after a long illness|during the night shift|with simple exercises|without any medicine|in the waiting room|before the winter|at the community centre|on a tight budget|for older patients|in a small village",
        ger="walking to work|cutting back on salt|sleeping eight hours|stretching every morning|drinking more water|cycling to the clinic|taking the stairs|keeping a food diary",
        plural="patients|nurses|doctors|carers|runners|pharmacists|parents|volunteers",
        role="a family doctor|a nurse|the clinic manager|a physiotherapist|the pharmacist",
        thing="sleep|back pain|winter colds|walking|healthy breakfasts|hay fever|posture|screen time"),
    "music": dict(
        subj="the brass band|a young pianist|the choir|the folk trio|the conductor|a session drummer|the local orchestra|a street busker|the record shop owner|the jazz quartet|my music teacher|a touring singer",
        vpast="rehearsed|recorded|performed|composed|arranged|tuned|played|sang|released|improvised|remixed|covered",
        vbase="rehearse|record|perform|compose|arrange|tune|play|sing|release|improvise|cover",
        obj="the opening number|a slow ballad|the old hymn|a new album|the second movement|a folk song|the encore|the bass line|a waltz|the chorus|a protest song|the brass fanfare|the piano part|a lullaby",
        adj="haunting|loud|gentle|upbeat|melancholy|catchy|ragged|tender|joyful|complex|brave|raw",
        adjunct="in a crowded pub|at the summer festival|in the church hall|on a battered guitar|after midnight|in a single take|at the community centre|on the village green|with a borrowed violin|during the interval|in a tiny studio|for the first time",
        ger="tuning the old piano|practising scales|learning the harmonies|loading the van|writing new lyrics|sight reading|mixing the record|busking in town",
        plural="musicians|singers|listeners|fans|students|drummers|producers|choir members",
        role="a choir director|the band leader|a music teacher|a sound engineer|the festival organiser",
        thing="brass bands|folk music|vinyl records|choirs|jazz nights|piano lessons|street music|music festivals"),
    "books": dict(
        subj="the reading group|a first-time novelist|the librarian|the bookshop owner|a retired teacher|the poet|the publisher|my book club|a literary critic|the translator|a young reader|the school library",
        vpast="read|reviewed|translated|recommended|edited|borrowed|finished|rediscovered|illustrated|published|discussed|quoted",
        vbase="read|review|translate|recommend|edit|borrow|finish|rediscover|illustrate|publish|discuss|quote",
        obj="the detective novel|a poetry collection|the family saga|the travel memoir|the short stories|the old atlas|the graphic novel|a sailor's biography|the children's classic|the final chapter|a book of essays|the ghost story|the first edition|an old cookbook",
        adj="gripping|slow|witty|moving|forgettable|ambitious|strange|clever|gloomy|tender|dense|playful",
        adjunct="in a single weekend|on the night train|at the library sale|in a second-hand shop|during the winter evenings|for the book club|in the original language|on a rainy holiday|before the author visit|at the literary festival|in the school holidays|by the fire",
        ger="reading aloud|annotating the margins|sorting the donations|translating the dialogue|hunting for first editions|writing reviews|choosing the next title|shelving returns",
        plural="readers|writers|librarians|critics|translators|students|collectors|booksellers",
        role="a librarian|the bookshop owner|a literary critic|a translator|the festival director",
        thing="detective novels|poetry|short stories|library sales|travel memoirs|audiobooks|book clubs|old atlases"),
    "pets": dict(
        subj="the animal shelter|my elderly cat|a young collie|the vet|our rescue dog|the dog walker|a pair of rabbits|the pet shop owner|my niece|the shelter volunteers|a stray kitten|the breeder",
        vpast="adopted|groomed|trained|fed|rescued|examined|walked|vaccinated|ignored|chased|befriended|rehomed",
        vbase="adopt|groom|train|feed|rescue|examine|walk|vaccinate|ignore|chase|befriend|rehome",
        obj="the garden fence|a new scratching post|the squeaky toy|the neighbour's hens|the dry food|the vet's waiting room|the water bowl|a cardboard box|the morning walk|the old sofa|the training treats|the new puppy|a wooden hutch|the postman",
        adj="curious|lazy|anxious|playful|stubborn|gentle|greedy|loyal|timid|clever|noisy|calm",
        adjunct="every single morning|in the back garden|at the rescue centre|after the thunderstorm|on the beach|during the holidays|at midnight|with great patience|at the vet clinic|on a long lead|in the warm kitchen|near the bird table",
        ger="brushing a long-haired cat|teaching recall|cleaning the hutch|trimming claws|walking two dogs|introducing a new kitten|choosing the right food|crate training",
        plural="dog owners|cat lovers|vets|shelter volunteers|breeders|pet sitters|families|dog walkers",
        role="a vet|the shelter manager|a dog trainer|a pet sitter|the breeder",
        thing="rescue dogs|house cats|rabbits|puppy training|old dogs|pet food|dog walks|shelter life"),
}
TOPICS = {name: {k: phrases(v) for k, v in vocab.items()} for name, vocab in TOPICS.items()}

# Vocabulary shared by every topic.
COMMON = {k: phrases(v) for k, v in dict(
    first="Anna|Tom|Maria|David|Priya|James|Lucy|Omar|Grace|Daniel|Elena|Samuel|Chloe|Yusuf|Hannah|Peter|Fatima|George|Ruth|Ben|Nadia|Owen|Alice|Kofi|Martha|Leo",
    last="Walsh|Okafor|Bennett|Patel|Hughes|Moreno|Clarke|Fischer|Doyle|Khan|Sutton|Novak|Reid|Ahmed|Price|Lindqvist|Barnes|Costa|Murray|Evans|Kowalski|Grant",
    town="Ashford|Millbrook|Harwick|Eastleigh|Clearwater|Stonebridge|Redmoor|Fairhaven|Brightwell|Oakham|Kingsbury|Northfield|Whitby Cross|Elmstead|Marlow Green|Hollins Bay|Greywater|Thornbury",
    opener="Last spring|Early on Monday|By Friday|Two years ago|In the summer|Not long ago|Late last night|Over the winter|Early in the season|On a grey Thursday|Earlier this month|Around noon",
    time="last spring|every morning|two years ago|this summer|in the autumn|last weekend|every other week|since January|over the winter|on Friday evening|in the early hours|this year",
    adv="surprisingly|remarkably|rather|quite|genuinely|slightly|unusually|fairly|strangely|deeply|almost|clearly",
    speed="quickly|slowly|calmly|carefully|cheaply|quietly|easily|confidently|neatly|patiently",
    modal="could|should|might|would|will|must|can",
    conn="however|meanwhile|even so|later|in the end|afterwards|at the same time|still|before long|oddly enough|in fact|of course",
    numword="two|three|four|five|six|seven|eight|nine|ten|eleven|twelve",
    unit="days|weeks|months|hours|years|evenings",
    month="January|February|March|April|May|June|July|August|September|October|November|December",
).items()}

SENTENCES = phrases("""
{Subj} {vpast} {obj} {adjunct}.|
{Opener}, {subj} {vpast} {obj}.|
{Person}, {role} in {town}, said that {subj} {vpast} {obj} {adjunct}.|
{Subj} {modal} {vbase} {obj} if {subj} {vpast} {obj} {time}.|
There were {num} {plural} {adjunct}, and {subj} {vpast} {obj}.|
{Ger} was {adv} {adj} for {subj}.|
Most of the {plural} agreed that {obj} was {adj}.|
{Subj} {vpast} {obj}, while {subj} {vpast} {obj} {adjunct}.|
By {ger}, {subj} {vpast} {obj}.|
{Time}, {obj} was {adv} {adj}.|
It took {numword} {unit} before {subj} {vpast} {obj}.|
What surprised {person} most was how {adj} {obj} looked {adjunct}.|
{Conn}, {subj} {vpast} {obj} {time}.|
"We {vpast} {obj} {adjunct}," said {person}.|
About {pct} percent of the {plural} {vpast} {obj} {time}.|
Why did {subj} {vbase} {obj} {adjunct}?|
{Person} has {adv} argued that {subj} {modal} {vbase} {obj}.|
The story of {obj} began {time}, when {subj} {vpast} {obj}.|
{Subj} {vpast} {obj} and then {vpast} {obj} {adjunct}.|
For {person}, nothing beats {ger} {time}.|
Few expected {subj} to {vbase} {obj} so {speed}.|
{Subj} {vpast} {obj}; {conn}, {subj} {vpast} {obj}.|
Even after {ger}, {subj} {vpast} {obj} {adjunct}.|
If you {vbase} {obj} {adjunct}, remember that {obj} can be {adj}.|
As {person} put it, {obj} is {adj} but {adj}.|
Neither {subj} nor {subj} {vpast} {obj} {time}.|
In {town}, {subj} {vpast} {obj} {adjunct}.|
Visitors to {town} often {vbase} {obj} {adjunct}.|
Nobody knows why {subj} {vpast} {obj}, but {person} has a theory.|
{Numword} of the {plural} {vpast} {obj} before {subj} {vpast} {obj}.|
One reader from {town} wrote that {subj} {vpast} {obj} {adjunct}.|
This is {adv} {adj}, because {subj} {vpast} {obj} {time}.|
According to {person}, {ger} is {adv} {adj} {adjunct}.|
{Subj} {speed} {vpast} {obj}, and the {plural} noticed.|
The {plural} in {town} {vpast} {obj} {num} times {time}.
""")

HEADINGS = phrases("What {person} learned|The {adj} side of {thing}|{Thing} in {town}|"
                  "A note on {ger}|Why {thing} matters|Back in {town}|Looking ahead to {month}")

TITLES = phrases("How {town} fell for {thing}|{Thing} in {town}: {numword} things we learned|"
                "Why the {plural} are talking about {thing} again|A {adj} guide to {thing}|"
                "{Person} on {thing} and {ger}|The {adj} truth about {thing}|"
                "What {month} taught us about {thing}|{Subj} and {obj}: a {adj} {month}|"
                "Notes from {town}: {thing}, {ger} and more")


class Deck:
    """Draws from a list in shuffled rounds, so nothing repeats until everything was used."""

    def __init__(self, items: list[str], rng: random.Random):
        self.items, self.rng, self.left = items, rng, []

    def draw(self) -> str:
        if not self.left:
            self.left = self.items[:]
            self.rng.shuffle(self.left)
        return self.left.pop()


class _Slots(dict):
    """A format_map mapping that deals a fresh phrase for every {slot} in a template;
    a capitalised slot name ({Subj}) gives the phrase with a capital first letter."""

    def __init__(self, decks: dict[str, Deck], rng: random.Random):
        super().__init__()
        self.decks, self.rng = decks, rng

    def __missing__(self, key: str) -> str:
        name = key.lower()
        if name == "num":
            value = str(self.rng.randint(3, 95))
        elif name == "pct":
            value = str(self.rng.choice(range(5, 96, 5)))
        elif name == "person":
            value = f"{self.decks['first'].draw()} {self.decks['last'].draw()}"
        else:
            value = self.decks[name].draw()
        return value[0].upper() + value[1:] if key[0].isupper() else value


def english_article(rng: random.Random, topic: str, words: int) -> tuple[str, list[tuple[str, str]]]:
    """A title and about `words` words of body for one article on `topic`, as blocks
    ("h2", heading) and ("p", paragraph)."""
    vocab = {**COMMON, **TOPICS[topic], "sentence": SENTENCES, "heading": HEADINGS}
    slots = _Slots({name: Deck(items, rng) for name, items in vocab.items()}, rng)
    title = rng.choice(TITLES).format_map(slots)
    blocks: list[tuple[str, str]] = []
    written = 0
    while written < words:
        if blocks and rng.random() < 0.15:
            blocks.append(("h2", slots.decks["heading"].draw().format_map(slots)))
        paragraph = " ".join(slots.decks["sentence"].draw().format_map(slots)
                             for _ in range(rng.randint(2, 6)))
        blocks.append(("p", paragraph))
        written += len(paragraph.split())
    return title, blocks
