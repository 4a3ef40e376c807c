"""Local-news prose in eight other languages for the demo crawl.

Each language has hand-written phrase lists (who, did what, to what, where, when) and a few
sentence shapes that respect its word order; every phrase is a complete, agreeing unit, so
any combination is grammatical. As in prose_en, phrases are dealt from shuffled decks, so
pages in one language share vocabulary but not long word sequences.
"""
from __future__ import annotations

import random

from prose_en import Deck, phrases

# Slots: subj (singular subjects; masculine in Russian, where the past tense agrees),
# verb (3rd person singular past, or the whole predicate in zh/ja), obj, place, time,
# conn (a sentence opener), adv + adj (adjectives that do not change with gender),
# first/last (names), shape (sentence templates), title (title templates).
LANGUAGES = {
    "fr": dict(
        subj="le conseil municipal|un jeune boulanger|le musée régional|un groupe de bénévoles|le nouveau maire|le chef du restaurant|le club de football|un agriculteur du village|le directeur de l'école|un collectif d'artistes|le comité des fêtes|un libraire du quartier",
        verb="a présenté|a rénové|a organisé|a défendu|a critiqué|a financé|a inauguré|a reporté|a découvert|a restauré|a préparé|a annoncé|a recommandé|a photographié",
        obj="un projet de piste cyclable|la vieille fontaine|un marché de producteurs|le budget de la culture|une exposition de photos|le festival d'été|un atelier de cuisine|la salle des fêtes|une collection de cartes anciennes|le jardin partagé|un concert gratuit|la ligne de bus|le sentier du littoral|une soupe aux lentilles",
        place="à Lyon|près de la gare|dans le vieux quartier|sur la place du marché|au bord de la rivière|à Rennes|dans la salle communale|à la sortie du village|en Bretagne|à Marseille|au centre-ville|sous les arcades",
        time="mardi dernier|ce matin|l'hiver dernier|au début du mois|samedi soir|cette semaine|pendant les vacances|il y a deux ans|au printemps|hier après-midi",
        conn="Par ailleurs|Pourtant|Ensuite|Selon les habitants|Au final|De son côté|En revanche|Depuis",
        adv="très|assez|vraiment|plutôt|toujours|particulièrement",
        adj="remarquable|agréable|célèbre|fragile|utile|calme|simple|populaire|magnifique|difficile|moderne|pratique",
        first="Camille|Julien|Sophie|Mathieu|Claire|Nicolas|Élodie|Thomas|Inès|Antoine",
        last="Martin|Bernard|Dubois|Lefèvre|Moreau|Girard|Lambert|Fontaine|Rousseau|Chevalier",
        shape="{Time}, {subj} {verb} {obj} {place}.|{Subj} {verb} {obj} {place} {time}.|{Conn}, {subj} {verb} {obj}.|Selon {person}, {obj} reste {adv} {adj}.|D'après {person}, {subj} {verb} {obj} {place}.|Pour {person}, {obj} est {adv} {adj}, et {subj} {verb} {obj} {time}.|Dans le quartier, {subj} {verb} {obj} {time}.",
        title="{Obj} {place} : ce qu'il faut savoir|{Subj} {verb} {obj}|{Place}, {obj} fait parler|{Obj} : l'avis de {person}"),
    "de": dict(
        subj="der Stadtrat|ein junger Bäcker|das Heimatmuseum|die Bürgerinitiative|der neue Bürgermeister|der Sportverein|die Grundschule|eine Gruppe Freiwilliger|der Kirchenchor|die Bibliothek|ein Landwirt aus dem Dorf|das Theater",
        verb="präsentierte|renovierte|organisierte|verteidigte|kritisierte|finanzierte|eröffnete|verschob|entdeckte|restaurierte|plante|empfahl|feierte|diskutierte",
        obj="einen neuen Radweg|den alten Brunnen|einen Bauernmarkt|das Kulturbudget|eine Fotoausstellung|das Sommerfest|einen Kochkurs|die Stadthalle|eine Sammlung alter Karten|den Gemeinschaftsgarten|ein kostenloses Konzert|die neue Buslinie|den Wanderweg am See|eine Lesung",
        place="in Köln|am Bahnhof|in der Altstadt|auf dem Marktplatz|am Flussufer|in Leipzig|im Gemeindesaal|am Ortsrand|in Bayern|in Hamburg|im Stadtzentrum|neben der Kirche",
        time="am Dienstag|heute Morgen|im letzten Winter|Anfang des Monats|am Samstagabend|in dieser Woche|während der Ferien|vor zwei Jahren|im Frühling|gestern Nachmittag",
        conn="Außerdem|Trotzdem|Danach|Inzwischen|Zuletzt|Dennoch|Bald darauf|Schließlich",
        adv="sehr|ziemlich|wirklich|eher|besonders|erstaunlich",
        adj="beliebt|teuer|ruhig|bekannt|wichtig|einfach|modern|praktisch|schön|schwierig|umstritten|gelungen",
        first="Anna|Lukas|Sabine|Jonas|Katrin|Felix|Miriam|Tobias|Lena|Stefan",
        last="Müller|Schmidt|Becker|Hoffmann|Wagner|Schulz|Krüger|Zimmermann|Braun|Hartmann",
        shape="{Subj} {verb} {obj} {place} {time}.|{Time} {verb} {subj} {obj} {place}.|{Conn} {verb} {subj} {obj}.|Laut {person} ist das Projekt {adv} {adj}.|{Person} sagt, dass {subj} {obj} {place} {verb}.|Für {person} war das Ergebnis {adv} {adj}, und {time} {verb} {subj} {obj}.|Viele Anwohner meinen, {subj} {verb} {obj} {time}.",
        title="{Obj} {place}: was man wissen muss|{Subj} {verb} {obj}|{Place}: Streit um {obj}|{Person} über {obj}"),
    "es": dict(
        subj="el ayuntamiento|un joven panadero|el museo provincial|la asociación de vecinos|el nuevo alcalde|el club de fútbol|la escuela del barrio|un grupo de voluntarios|el coro de la parroquia|la biblioteca municipal|un agricultor del pueblo|el cocinero del mercado",
        verb="presentó|renovó|organizó|defendió|criticó|financió|inauguró|aplazó|descubrió|restauró|preparó|anunció|recomendó|fotografió",
        obj="un nuevo carril bici|la vieja fuente|un mercado de productores|el presupuesto de cultura|una exposición de fotografía|la fiesta de verano|un taller de cocina|el salón de actos|una colección de mapas antiguos|el huerto comunitario|un concierto gratuito|la línea de autobús|el sendero de la costa|una sopa de lentejas",
        place="en Sevilla|junto a la estación|en el casco antiguo|en la plaza mayor|a orillas del río|en Valencia|en el centro cultural|a la salida del pueblo|en Galicia|en Zaragoza|en el centro de la ciudad|bajo los soportales",
        time="el martes pasado|esta mañana|el invierno pasado|a principios de mes|el sábado por la noche|esta semana|durante las vacaciones|hace dos años|en primavera|ayer por la tarde",
        conn="Además|Sin embargo|Después|Según los vecinos|Al final|Por su parte|En cambio|Mientras tanto",
        adv="muy|bastante|realmente|más bien|siempre|especialmente",
        adj="notable|agradable|célebre|frágil|útil|popular|sencillo|difícil|importante|moderno|interesante|caro",
        first="Lucía|Javier|Carmen|Pablo|Marta|Diego|Elena|Sergio|Rocío|Andrés",
        last="García|Fernández|López|Martínez|Sánchez|Romero|Navarro|Torres|Ruiz|Castillo",
        shape="{Time}, {subj} {verb} {obj} {place}.|{Subj} {verb} {obj} {place} {time}.|{Conn}, {subj} {verb} {obj}.|Según {person}, {obj} es {adv} {adj}.|{Person} explica que {subj} {verb} {obj} {place}.|Para {person}, {obj} resulta {adv} {adj}, y {subj} {verb} {obj} {time}.|Los vecinos cuentan que {subj} {verb} {obj} {time}.",
        title="{Obj} {place}: lo que hay que saber|{Subj} {verb} {obj}|{Place}, {obj} da que hablar|{Obj}, según {person}"),
    "it": dict(
        subj="il consiglio comunale|un giovane fornaio|il museo civico|l'associazione dei genitori|il nuovo sindaco|il circolo sportivo|il direttore della scuola|un gruppo di volontari|il coro della parrocchia|il teatro comunale|un contadino del paese|il cuoco della trattoria",
        verb="ha presentato|ha restaurato|ha organizzato|ha difeso|ha criticato|ha finanziato|ha inaugurato|ha rinviato|ha scoperto|ha preparato|ha annunciato|ha consigliato|ha fotografato|ha ristrutturato",
        obj="una nuova pista ciclabile|la vecchia fontana|un mercato contadino|il bilancio della cultura|una mostra fotografica|la festa d'estate|un corso di cucina|la sala civica|una raccolta di mappe antiche|l'orto condiviso|un concerto gratuito|la linea dell'autobus|il sentiero costiero|una zuppa di lenticchie",
        place="a Bologna|vicino alla stazione|nel centro storico|in piazza del mercato|lungo il fiume|a Torino|nella sala parrocchiale|all'uscita del paese|in Toscana|a Napoli|in centro città|sotto i portici",
        time="martedì scorso|stamattina|lo scorso inverno|all'inizio del mese|sabato sera|questa settimana|durante le vacanze|due anni fa|in primavera|ieri pomeriggio",
        conn="Inoltre|Tuttavia|In seguito|Secondo gli abitanti|Alla fine|Da parte sua|Invece|Nel frattempo",
        adv="molto|piuttosto|davvero|abbastanza|sempre|particolarmente",
        adj="notevole|piacevole|celebre|fragile|utile|popolare|semplice|difficile|importante|elegante|interessante|costoso",
        first="Giulia|Marco|Francesca|Luca|Chiara|Andrea|Sara|Matteo|Elisa|Paolo",
        last="Rossi|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|Conti",
        shape="{Time}, {subj} {verb} {obj} {place}.|{Subj} {verb} {obj} {place} {time}.|{Conn}, {subj} {verb} {obj}.|Secondo {person}, {obj} è {adv} {adj}.|{Person} spiega che {subj} {verb} {obj} {place}.|Per {person}, {obj} resta {adv} {adj}, e {subj} {verb} {obj} {time}.|Gli abitanti raccontano che {subj} {verb} {obj} {time}.",
        title="{Obj} {place}: cosa sapere|{Subj} {verb} {obj}|{Place}, {obj} fa discutere|{Obj} secondo {person}"),
    "pt": dict(
        subj="a câmara municipal|um jovem padeiro|o museu regional|a associação de moradores|o novo presidente da câmara|o clube de futebol|a escola do bairro|um grupo de voluntários|o coro da paróquia|a biblioteca municipal|um agricultor da aldeia|o cozinheiro do mercado",
        verb="apresentou|renovou|organizou|defendeu|criticou|financiou|inaugurou|adiou|descobriu|restaurou|preparou|anunciou|recomendou|fotografou",
        obj="uma nova ciclovia|o velho chafariz|um mercado de produtores|o orçamento da cultura|uma exposição de fotografia|a festa de verão|uma oficina de culinária|o salão de festas|uma coleção de mapas antigos|a horta comunitária|um concerto gratuito|a carreira de autocarro|o trilho da costa|uma sopa de lentilhas",
        place="em Lisboa|perto da estação|no bairro antigo|na praça do mercado|junto ao rio|no Porto|no centro cultural|à saída da aldeia|no Alentejo|em Coimbra|no centro da cidade|debaixo das arcadas",
        time="na terça-feira passada|esta manhã|no inverno passado|no início do mês|no sábado à noite|esta semana|durante as férias|há dois anos|na primavera|ontem à tarde",
        conn="Além disso|No entanto|Depois|Segundo os moradores|No final|Por seu lado|Em contrapartida|Entretanto",
        adv="muito|bastante|realmente|sempre|especialmente|bem",
        adj="notável|agradável|célebre|frágil|útil|popular|simples|difícil|importante|moderno|interessante|caro",
        first="Ana|João|Beatriz|Miguel|Inês|Pedro|Mariana|Rui|Catarina|Tiago",
        last="Silva|Santos|Ferreira|Pereira|Oliveira|Costa|Rodrigues|Martins|Sousa|Almeida",
        shape="{Time}, {subj} {verb} {obj} {place}.|{Subj} {verb} {obj} {place} {time}.|{Conn}, {subj} {verb} {obj}.|Segundo {person}, {obj} é {adv} {adj}.|{Person} explica que {subj} {verb} {obj} {place}.|Para {person}, {obj} continua {adv} {adj}, e {subj} {verb} {obj} {time}.|Os moradores contam que {subj} {verb} {obj} {time}.",
        title="{Obj} {place}: o que é preciso saber|{Subj} {verb} {obj}|{Place}, {obj} dá que falar|{Obj}, segundo {person}"),
    "nl": dict(
        subj="de gemeenteraad|een jonge bakker|het streekmuseum|de bewonersvereniging|de nieuwe burgemeester|de voetbalclub|de basisschool|een groep vrijwilligers|het kerkkoor|de bibliotheek|een boer uit het dorp|het theater",
        verb="presenteerde|renoveerde|organiseerde|verdedigde|bekritiseerde|financierde|opende|verplaatste|ontdekte|restaureerde|plande|vierde|besprak|fotografeerde",
        obj="een nieuw fietspad|de oude fontein|een boerenmarkt|het cultuurbudget|een fototentoonstelling|het zomerfeest|een kookcursus|de stadszaal|een verzameling oude kaarten|de gemeenschappelijke moestuin|een gratis concert|de nieuwe buslijn|het wandelpad langs het meer|een voorleesavond",
        place="in Utrecht|bij het station|in de oude binnenstad|op de markt|langs de rivier|in Groningen|in het buurthuis|aan de rand van het dorp|in Zeeland|in Rotterdam|in het centrum|naast de kerk",
        time="afgelopen dinsdag|vanochtend|vorige winter|begin deze maand|zaterdagavond|deze week|tijdens de vakantie|twee jaar geleden|in het voorjaar|gistermiddag",
        conn="Daarnaast|Toch|Daarna|Intussen|Uiteindelijk|Bovendien|Kort daarna|Ondertussen",
        adv="heel|vrij|echt|nogal|bijzonder|verrassend",
        adj="populair|duur|rustig|bekend|belangrijk|eenvoudig|modern|praktisch|mooi|lastig|omstreden|geslaagd",
        first="Sanne|Daan|Fleur|Bram|Lotte|Jeroen|Eva|Ruben|Iris|Thijs",
        last="de Jong|Jansen|de Vries|van Dijk|Bakker|Visser|Smit|Meijer|Mulder|de Boer",
        shape="{Subj} {verb} {obj} {place} {time}.|{Time} {verb} {subj} {obj} {place}.|{Conn} {verb} {subj} {obj}.|Volgens {person} is {obj} {adv} {adj}.|{Person} zegt dat {subj} {obj} {place} {verb}.|Voor {person} was {obj} {adv} {adj}, en {time} {verb} {subj} {obj}.|Veel bewoners vinden dat {subj} {obj} {time} {verb}.",
        title="{Obj} {place}: wat je moet weten|{Subj} {verb} {obj}|{Place}: discussie over {obj}|{Obj} volgens {person}"),
    "ru": dict(
        subj="городской совет|молодой пекарь|краеведческий музей|новый мэр|футбольный клуб|директор школы|церковный хор|местный фермер|районный театр|библиотечный фонд|известный архитектор|студенческий клуб",
        verb="представил|отремонтировал|организовал|поддержал|раскритиковал|профинансировал|открыл|перенёс|обнаружил|восстановил|подготовил|объявил|рекомендовал|сфотографировал",
        obj="новую велодорожку|старый фонтан|фермерский рынок|бюджет на культуру|фотовыставку|летний фестиваль|кулинарный мастер-класс|дом культуры|коллекцию старинных карт|общественный сад|бесплатный концерт|новый автобусный маршрут|прибрежную тропу|чечевичный суп",
        place="в Казани|возле вокзала|в старом квартале|на рыночной площади|на берегу реки|в Новосибирске|в районной библиотеке|на окраине посёлка|в Карелии|в Самаре|в центре города|у старой церкви",
        time="в прошлый вторник|сегодня утром|прошлой зимой|в начале месяца|в субботу вечером|на этой неделе|во время каникул|два года назад|весной|вчера днём",
        conn="Кроме того|Тем не менее|После этого|Между тем|В итоге|Впрочем|Вскоре|Наконец",
        adv="очень|довольно|действительно|совсем|особенно|по-прежнему",
        adj="популярен|важен|интересен|известен|полезен|необычен|спокоен|дорог|удобен|знаменит|прост|сложен",
        first="Анна|Ирина|Ольга|Светлана|Мария|Татьяна|Наталья|Елена|Екатерина|Вера",
        last="Иванова|Смирнова|Кузнецова|Попова|Соколова|Лебедева|Козлова|Новикова|Морозова|Волкова",
        shape="{Subj} {verb} {obj} {place} {time}.|{Time} {subj} {verb} {obj} {place}.|{Conn}, {subj} {verb} {obj}.|{Person} считает, что этот проект {adv} {adj}.|{Person} рассказывает, что {subj} {verb} {obj} {place}.|Жители говорят, что {subj} {verb} {obj} {time}.",
        title="{Subj} {verb} {obj}|{Place}: всё о том, как {subj} {verb} {obj}|{Place}: {person} о новом проекте"),
    "zh": dict(
        subj="市政府|一位年轻的面包师|地方博物馆|社区志愿者协会|新任市长|当地足球俱乐部|小学校长|一群大学生|老城区的居民|市图书馆|一位退休教师|本地农民合作社",
        verb="介绍了|修复了|组织了|支持了|批评了|资助了|开放了|推迟了|发现了|翻新了|准备了|宣布了|推荐了|拍摄了",
        obj="新的自行车道|老城的喷泉|周末农贸市场|文化活动的预算|一场摄影展|夏季音乐节|一门烹饪课程|社区活动中心|一批古老的地图|共享菜园|一场免费音乐会|新的公交线路|沿河步道|传统的手工艺品",
        place="成都|火车站附近|老城区|市场广场|河边|杭州|社区中心|村口|云南|西安|市中心|古镇",
        time="上周二|今天上午|去年冬天|本月初|周六晚上|这个星期|暑假期间|两年前|今年春天|昨天下午",
        conn="此外|不过|随后|与此同时|最后|据了解|事实上|另外",
        adv="非常|相当|确实|比较|特别|一直",
        adj="受欢迎|重要|有意思|方便|热闹|安静|实用|有名|难得|有趣|美丽|精彩",
        first="王|李|张|刘|陈|杨|赵|黄|周|吴",
        last="伟|芳|娜|敏|静|磊|洋|艳|勇|军",
        shape="{time}，{subj}在{place}{verb}{obj}。|{subj}{time}在{place}{verb}{obj}。|{conn}，{subj}{verb}{obj}。|{person}表示，{obj}{adv}{adj}。|据{person}介绍，{subj}{time}{verb}{obj}。|许多居民认为，{obj}{adv}{adj}。",
        title="{subj}{verb}{obj}|{place}：{obj}引发关注|{person}谈{obj}"),
    "ja": dict(
        subj="市役所|若いパン職人|郷土博物館|地域のボランティア団体|新しい市長|地元のサッカークラブ|小学校の校長|大学生のグループ|商店街の人々|市立図書館|退職した教師|地元の農家",
        verb="発表しました|修復しました|企画しました|支援しました|批判しました|整備しました|公開しました|延期しました|発見しました|改装しました|準備しました|紹介しました|撮影しました|開催しました",
        obj="新しい自転車道|古い噴水|週末の朝市|文化事業の予算|写真展|夏祭り|料理教室|公民館|古い地図のコレクション|共同菜園|無料コンサート|新しいバス路線|川沿いの遊歩道|伝統工芸品の展示",
        place="札幌|駅前|旧市街|市場の広場|川のほとり|金沢|公民館|村の入り口|九州|仙台|市の中心部|古い神社の近く",
        time="先週の火曜日|今朝|去年の冬|今月の初め|土曜日の夜|今週|夏休みの間|二年前|今年の春|昨日の午後",
        conn="また|しかし|その後|一方で|最終的に|さらに|実際に|ところで",
        adv="とても|かなり|本当に|比較的|特に|いつも",
        adj="人気です|大切です|興味深いです|便利です|にぎやかです|静かです|有名です|珍しいです|美しいです|面白いです|役に立ちます|魅力的です",
        first="佐藤|鈴木|高橋|田中|伊藤|渡辺|山本|中村|小林|加藤",
        last="花子|健太|美咲|翔太|由美|大輔|陽子|拓也|恵|誠",
        shape="{time}、{subj}は{place}で{obj}を{verb}。|{subj}は{time}、{obj}を{verb}。|{conn}、{subj}は{obj}を{verb}。|{person}さんによると、{obj}は{adv}{adj}。|{person}さんは「{subj}が{place}で{obj}を{verb}」と話しています。|多くの住民にとって、{obj}は{adv}{adj}。",
        title="{subj}が{obj}を{verb}|{place}で{obj}が話題に|{person}さんに聞く{obj}"),
}
LANGUAGES = {lang: {k: phrases(v) for k, v in vocab.items()} for lang, vocab in LANGUAGES.items()}
NO_SPACES = {"zh", "ja"}


class _Slots(dict):
    """Deals a fresh phrase for every {slot}; {Subj} capitalises the phrase."""

    def __init__(self, decks: dict[str, Deck], lang: str):
        super().__init__()
        self.decks, self.lang = decks, lang

    def __missing__(self, key: str) -> str:
        name = key.lower()
        if name == "person":
            joiner = "" if self.lang in NO_SPACES else " "
            value = self.decks["first"].draw() + joiner + self.decks["last"].draw()
        else:
            value = self.decks[name].draw()
        return value[0].upper() + value[1:] if key[0].isupper() else value


def foreign_article(rng: random.Random, lang: str, words: int) -> tuple[str, list[tuple[str, str]]]:
    """A title and about `words` words (for zh/ja: words x 3 characters) of local news in `lang`,
    as ("p", paragraph) blocks."""
    vocab = LANGUAGES[lang]
    slots = _Slots({name: Deck(items, rng) for name, items in vocab.items()}, lang)
    title = rng.choice(vocab["title"]).format_map(slots)
    joiner = "" if lang in NO_SPACES else " "
    blocks: list[tuple[str, str]] = []
    written = 0
    while written < words:
        paragraph = joiner.join(slots.decks["shape"].draw().format_map(slots)
                                for _ in range(rng.randint(2, 5)))
        blocks.append(("p", paragraph))
        written += len(paragraph) // 3 if lang in NO_SPACES else len(paragraph.split())
    return title, blocks
