"""Site templates for the demo crawl: the boilerplate an extractor has to strip.

A real crawl page is mostly not the article: menus, a cookie banner, "related stories",
newsletter boxes, share buttons, comments and a footer surround it. Four layouts (news,
blog, magazine, portal) put that furniture in different places and mark it up differently,
in the language of the site, so the extractor is tested on more than one page shape.
"""
from __future__ import annotations

import datetime
import html
from dataclasses import dataclass, replace

# Interface words per language, in this order.
_UI_KEYS = ("nav", "cookie", "accept", "settings", "read_more", "related", "rights",
            "newsletter", "subscribe", "search", "about", "contact", "privacy", "terms",
            "share", "comments", "by", "popular", "tags")
_UI = {
    "en": ["Home,News,Local,Sport,Culture,Science,Opinion", "We use cookies to give you the best experience on our website and to show you relevant adverts.", "Accept all", "Cookie settings", "Read more", "Related stories", "All rights reserved", "Get the best stories in your inbox every morning.", "Subscribe", "Search", "About us", "Contact", "Privacy policy", "Terms of use", "Share", "Comments", "By", "Most read", "Tags"],
    "fr": ["Accueil,Actualités,Région,Sport,Culture,Sciences,Opinions", "Nous utilisons des cookies pour améliorer votre expérience et vous proposer des publicités adaptées.", "Tout accepter", "Paramètres des cookies", "Lire la suite", "À lire aussi", "Tous droits réservés", "Recevez nos meilleurs articles chaque matin.", "S'abonner", "Rechercher", "Qui sommes-nous", "Contact", "Politique de confidentialité", "Conditions d'utilisation", "Partager", "Commentaires", "Par", "Les plus lus", "Mots-clés"],
    "de": ["Startseite,Nachrichten,Region,Sport,Kultur,Wissen,Meinung", "Wir verwenden Cookies, um Ihnen das beste Erlebnis auf unserer Website zu bieten.", "Alle akzeptieren", "Cookie-Einstellungen", "Weiterlesen", "Das könnte Sie auch interessieren", "Alle Rechte vorbehalten", "Die wichtigsten Nachrichten jeden Morgen in Ihrem Postfach.", "Abonnieren", "Suche", "Über uns", "Kontakt", "Datenschutz", "Nutzungsbedingungen", "Teilen", "Kommentare", "Von", "Meistgelesen", "Schlagwörter"],
    "es": ["Inicio,Noticias,Local,Deportes,Cultura,Ciencia,Opinión", "Utilizamos cookies para mejorar su experiencia y mostrarle publicidad relevante.", "Aceptar todo", "Configurar cookies", "Leer más", "Noticias relacionadas", "Todos los derechos reservados", "Reciba las mejores noticias cada mañana.", "Suscribirse", "Buscar", "Quiénes somos", "Contacto", "Política de privacidad", "Aviso legal", "Compartir", "Comentarios", "Por", "Lo más leído", "Etiquetas"],
    "it": ["Home,Notizie,Cronaca,Sport,Cultura,Scienza,Opinioni", "Utilizziamo i cookie per migliorare la tua esperienza e mostrarti pubblicità pertinente.", "Accetta tutti", "Impostazioni cookie", "Leggi di più", "Articoli correlati", "Tutti i diritti riservati", "Ricevi le notizie migliori ogni mattina.", "Iscriviti", "Cerca", "Chi siamo", "Contatti", "Informativa privacy", "Termini di utilizzo", "Condividi", "Commenti", "Di", "I più letti", "Tag"],
    "pt": ["Início,Notícias,Local,Desporto,Cultura,Ciência,Opinião", "Utilizamos cookies para melhorar a sua experiência e mostrar publicidade relevante.", "Aceitar tudo", "Definições de cookies", "Ler mais", "Notícias relacionadas", "Todos os direitos reservados", "Receba as melhores notícias todas as manhãs.", "Subscrever", "Pesquisar", "Quem somos", "Contacto", "Política de privacidade", "Termos de utilização", "Partilhar", "Comentários", "Por", "Mais lidas", "Etiquetas"],
    "nl": ["Home,Nieuws,Regio,Sport,Cultuur,Wetenschap,Opinie", "Wij gebruiken cookies om uw ervaring te verbeteren en relevante advertenties te tonen.", "Alles accepteren", "Cookie-instellingen", "Lees meer", "Gerelateerde artikelen", "Alle rechten voorbehouden", "Ontvang elke ochtend het beste nieuws in uw inbox.", "Abonneren", "Zoeken", "Over ons", "Contact", "Privacybeleid", "Gebruiksvoorwaarden", "Delen", "Reacties", "Door", "Meest gelezen", "Tags"],
    "ru": ["Главная,Новости,Город,Спорт,Культура,Наука,Мнения", "Мы используем файлы cookie, чтобы сделать сайт удобнее для вас.", "Принять все", "Настройки cookie", "Читать далее", "Читайте также", "Все права защищены", "Лучшие материалы каждое утро на вашу почту.", "Подписаться", "Поиск", "О нас", "Контакты", "Политика конфиденциальности", "Условия использования", "Поделиться", "Комментарии", "Автор:", "Самое читаемое", "Теги"],
    "zh": ["首页,新闻,本地,体育,文化,科学,评论", "我们使用Cookie来改善您的浏览体验。", "全部接受", "Cookie设置", "阅读全文", "相关新闻", "版权所有", "每天早上把最好的文章送到您的邮箱。", "订阅", "搜索", "关于我们", "联系我们", "隐私政策", "使用条款", "分享", "评论", "作者：", "热门文章", "标签"],
    "ja": ["ホーム,ニュース,地域,スポーツ,文化,科学,オピニオン", "当サイトでは、より良いサービスを提供するためにCookieを使用しています。", "すべて同意", "Cookie設定", "続きを読む", "関連記事", "無断転載を禁じます", "毎朝、おすすめの記事をお届けします。", "購読する", "検索", "会社概要", "お問い合わせ", "プライバシーポリシー", "利用規約", "共有", "コメント", "文：", "よく読まれている記事", "タグ"],
}
UI = {lang: dict(zip(_UI_KEYS, words)) for lang, words in _UI.items()}
LAYOUTS = ("news", "blog", "magazine", "portal")


@dataclass(frozen=True)
class Site:
    host: str
    name: str
    lang: str
    layout: str


@dataclass(frozen=True)
class Article:
    title: str
    author: str
    date: datetime.date
    blocks: tuple[tuple[str, str], ...]   # ("h2" | "p" | "li", text); "li" items are links
    tags: tuple[str, ...] = ()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:60] or "page"


def _body(article: Article) -> str:
    out, in_list = [], False
    for kind, text in article.blocks:
        if kind == "li" and not in_list:
            out.append("<ul>")
        elif kind != "li" and in_list:
            out.append("</ul>")
        in_list = kind == "li"
        if kind == "li":    # list items are links: that is what long lists on crawled pages are
            out.append(f'<li><a href="/go/{_slug(text)}/">{_e(text)}</a></li>')
        else:
            out.append(f"<{kind}>{_e(text)}</{kind}>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _nav(site: Site, ui: dict) -> str:
    items = "".join(f'<li><a href="/{_slug(w)}/">{_e(w)}</a></li>' for w in ui["nav"].split(","))
    return f'<nav class="main-menu" role="navigation"><ul>{items}</ul></nav>'


def _cookie(ui: dict) -> str:
    return (f'<div id="cookie-consent" class="cookie-banner"><p>{_e(ui["cookie"])}</p>'
            f'<button class="accept">{_e(ui["accept"])}</button> <a href="/cookies/">{_e(ui["settings"])}</a></div>')


def _links(links: list[tuple[str, str]], cls: str, heading: str) -> str:
    items = "".join(f'<li><a href="{_e(path)}">{_e(title)}</a></li>' for title, path in links)
    return f'<div class="{cls}"><h3>{_e(heading)}</h3><ul>{items}</ul></div>'


def _footer(site: Site, ui: dict, year: int) -> str:
    links = " | ".join(f'<a href="/{_slug(ui[k])}/">{_e(ui[k])}</a>' for k in ("about", "contact", "privacy", "terms"))
    return (f'<footer class="site-footer"><p class="footer-links">{links}</p>'
            f'<p class="copyright">&copy; {year} {_e(site.name)}. {_e(ui["rights"])}.</p></footer>')


def _byline(article: Article, ui: dict) -> str:
    return (f'<p class="byline">{_e(ui["by"])} <span class="author">{_e(article.author)}</span> &middot; '
            f'<time datetime="{article.date.isoformat()}">{article.date.strftime("%d.%m.%Y")}</time></p>')


def render(site: Site, article: Article, related: list[tuple[str, str]], charset_meta: str | None = "utf-8") -> str:
    """The whole HTML page for `article` on `site`. `related` holds (title, path) of other
    pages of the site, for the link menus; `charset_meta` is the charset the page declares
    in a <meta>, or None for a page that declares nothing."""
    ui = UI[site.lang]
    if charset_meta is None:
        meta = ""
    elif charset_meta.lower() == "utf-8":
        meta = '<meta charset="utf-8">'
    else:    # the older http-equiv form, as pages in legacy charsets tend to have
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_meta}">'
    head = (f'<!DOCTYPE html>\n<html lang="{site.lang}"><head>{meta}<title>{_e(article.title)} | {_e(site.name)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="stylesheet" href="/static/{site.layout}.css">'
            f'</head>\n')
    tags = "".join(f'<a class="tag" href="/tag/{_slug(t)}/">{_e(t)}</a> ' for t in article.tags)
    story = (f'<article class="post"><h1 class="entry-title">{_e(article.title)}</h1>{_byline(article, ui)}\n'
             f'<div class="entry-content">\n{_body(article)}\n</div>'
             + (f'<div class="tags">{_e(ui["tags"])}: {tags}</div>' if tags else "") + '</article>\n')
    share = f'<div class="share-buttons"><span>{_e(ui["share"])}:</span> <a href="#">Facebook</a> <a href="#">X</a> <a href="#">E-mail</a></div>'
    newsletter = (f'<div class="newsletter-box"><p>{_e(ui["newsletter"])}</p><form><input type="email" placeholder="email">'
                  f'<button>{_e(ui["subscribe"])}</button></form></div>')
    search = f'<form class="search" action="/search"><input type="text" name="q" placeholder="{_e(ui["search"])}"></form>'
    logo = f'<a class="logo" href="/">{_e(site.name)}</a>'
    year = article.date.year
    if site.layout == "news":
        page = (f'<body class="news">{_cookie(ui)}<header class="site-header">{logo}{search}{_nav(site, ui)}</header>\n'
                f'<main class="content"><div class="breadcrumb"><a href="/">{_e(ui["nav"].split(",")[0])}</a> &rsaquo; {_e(ui["nav"].split(",")[1])}</div>\n'
                f'{story}{share}</main>\n<aside class="sidebar">{_links(related[:3], "related", ui["related"])}'
                f'{_links(related[3:5], "popular", ui["popular"])}</aside>\n{_footer(site, ui, year)}')
    elif site.layout == "blog":
        page = (f'<body class="blog"><div id="page"><header id="masthead">{logo}<p class="tagline">{_e(site.name)}</p>{_nav(site, ui)}</header>\n'
                f'<div id="primary">{story}{share}<section class="comments"><h3>{_e(ui["comments"])} (0)</h3></section></div>\n'
                f'<div id="secondary" class="widget-area">{search}{_links(related[:5], "widget recent-posts", ui["related"])}'
                f'<div class="widget about"><h3>{_e(ui["about"])}</h3><p>{_e(site.name)}</p></div></div>\n'
                f'{_footer(site, ui, year)}</div>{_cookie(ui)}')
    elif site.layout == "magazine":
        page = (f'<body class="magazine"><div class="top-bar"><a href="/login">Login</a> <a href="/subscribe">{_e(ui["subscribe"])}</a></div>'
                f'<header>{logo}{_nav(site, ui)}</header>{_cookie(ui)}\n<main>{story}{newsletter}'
                f'{_links(related[:3], "more-stories grid", ui["read_more"])}</main>\n'
                f'<aside>{_links(related[3:5], "most-read", ui["popular"])}</aside>\n{_footer(site, ui, year)}')
    else:
        page = (f'<body class="portal"><header class="portal-header">{logo}{_nav(site, ui)}{search}</header>\n'
                f'<div class="layout"><aside class="left-rail">{_links(related[:5], "section-links", ui["related"])}</aside>\n'
                f'<section class="main-column">{story}{share}{newsletter}</section></div>\n{_footer(site, ui, year)}{_cookie(ui)}')
    script = '<script src="/static/analytics.js" async></script>'
    return f'{head}{page}\n{script}</body></html>\n'


def moved(site: Site, layout: str) -> Site:
    """The same site re-skinned with another layout (a redesign, an AMP or print view)."""
    return replace(site, layout=layout)
