"""``chatdesk kb check|import-faq|eval|search|review``: article sources, quality and review.

Thin on purpose: the logic lives in ``kb.sources``, ``kb.importer``, ``kb.evaluation`` and
``kb.matcher``; this module parses arguments, finds the sources directory and prints.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.cli.common import config_from, counted, fail, on_terminal
from bot.errors import DeskError


def register(commands, kb_commands) -> None:
    """Add the source, import, evaluation and search commands under ``chatdesk kb``."""
    check = kb_commands.add_parser("check", help="validate every article in faq_sources/")
    _root_option(check)
    check.set_defaults(func=check_command)

    importer = kb_commands.add_parser("import-faq", help="import an FAQ list (CSV or YAML)")
    importer.add_argument("file", type=Path, help="CSV (question,answer[,category]) or YAML")
    _root_option(importer)
    importer.add_argument("--category", default="general", help="for rows without one")
    importer.add_argument("--language", help="language of the FAQ (default: from config)")
    importer.add_argument("--draft", action="store_true", help="import as drafts to review")
    importer.set_defaults(func=import_command)

    evaluate = kb_commands.add_parser("eval", help="measure suggestion quality on labelled CSVs")
    evaluate.add_argument("--kb-csv", type=Path, required=True, help="text,label: the articles")
    evaluate.add_argument("--queries-csv", type=Path, required=True,
                          help="text,label: queries; an empty label must be refused")
    evaluate.add_argument("--phrasings", type=int, help="use the first N texts of each label")
    evaluate.add_argument("--threshold", type=float, help="override the calibrated threshold")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(func=eval_command)

    search = kb_commands.add_parser("search", help="rank articles for a question")
    search.add_argument("text", nargs="+", help="the question")
    _root_option(search)
    search.add_argument("--limit", type=int, default=5, help="how many articles to show")
    search.set_defaults(func=search_command)

    review = kb_commands.add_parser(
        "review", help="list customer wordings waiting for review, or accept/reject a ticket's",
        description="Customer wordings proposed for articles wait here: nothing of them is matched "
                    "or on the help site until accepted.")
    review.add_argument("action", nargs="?", choices=("accept", "reject"), help="what to do with them")
    review.add_argument("tickets", nargs="*", help="the tickets whose wordings to accept or reject")
    _root_option(review)
    review.set_defaults(func=review_command)


def _root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="sources directory (default: from config)")


def _sources(args: argparse.Namespace) -> tuple[Path, str]:
    config = config_from(args)
    root = args.root if args.root is not None else config.sources_path
    return root, config.kb.default_language


def check_command(args: argparse.Namespace) -> int:
    """Print every problem in the sources; exit 1 if there is any."""
    from kb.sources import load_articles, without_status

    try:
        root, language = _sources(args)
    except DeskError as error:
        return fail(error)
    result = load_articles(root, default_language=language)
    for error in result.errors:
        print(error)
    for path in without_status(result.articles):
        print(f"{path}: no status, so a draft (not on the site); add 'status: published' to publish it")
    published = len(result.published)
    print(f"{counted(len(result.articles), 'article')} ({published} published), {counted(len(result.errors), 'error')}")
    return 1 if result.errors else 0


def import_command(args: argparse.Namespace) -> int:
    """Import an FAQ file into new article files; exit 1 if some rows were unusable."""
    from kb.importer import import_faq

    try:
        root, language = _sources(args)
    except DeskError as error:
        return fail(error)
    if not Path(args.file).is_file():
        return fail(f"{args.file}: no such file (an FAQ list in CSV with question,answer[,category] or YAML)")
    result = import_faq(
        args.file, root=root, default_category=args.category,
        language=args.language or language, status="draft" if args.draft else "published",
    )
    for error in result.errors:
        print(error)
    for article in result.articles:
        print(f"wrote {article.path} ({counted(len(article.questions), 'phrasing')})")
    print(f"{counted(len(result.articles), 'article')} imported, {counted(len(result.errors), 'row')} skipped")
    return 1 if result.errors else 0


def eval_command(args: argparse.Namespace) -> int:
    """Build a KB from one CSV, match the other, print the figures."""
    from kb.errors import KnowledgeBaseError
    from kb.evaluation import evaluate_files, format_report

    on_terminal(f"building a knowledge base from {args.kb_csv} and matching {args.queries_csv}…")
    try:
        report = evaluate_files(
            args.kb_csv, args.queries_csv, phrasings=args.phrasings, threshold=args.threshold
        )
    except (OSError, KnowledgeBaseError) as error:
        return fail(str(error))
    print(json.dumps(report.as_dict()) if args.json else format_report(report))
    return 0


def search_command(args: argparse.Namespace) -> int:
    """Print the best articles for a question, marking those confident enough to suggest."""
    from kb.matcher import Matcher
    from kb.sources import load_articles

    try:
        root, language = _sources(args)
        threshold = config_from(args).kb.threshold
    except DeskError as error:
        return fail(error)
    matcher = Matcher.build(load_articles(root, default_language=language).articles,
                            threshold=threshold)
    results = matcher.search(" ".join(args.text), limit=args.limit)
    if not results:
        print("no articles")
    for match in results:
        mark = "*" if match.score >= matcher.threshold else " "
        print(f"{mark} {match.score:.2f} {match.similarity:.2f}  {match.slug}  {match.title}")
    print(f"(confidence, similarity; * = would be suggested: threshold {matcher.threshold:.2f})")
    return 0


def review_command(args: argparse.Namespace) -> int:
    """List pending wordings with their article and ticket, or accept/reject some tickets'."""
    from bot.domain import parse_ticket_id
    from kb.learning import decide_reviews, pending_reviews
    from kb.sources import load_articles

    try:
        root, language = _sources(args)
    except DeskError as error:
        return fail(error)
    reviews = pending_reviews(load_articles(root, default_language=language).articles)
    if args.action is None:
        for review in reviews:
            print(f"{review.pending.ticket or '(no ticket)'}  {review.slug}  “{review.pending.text}”")
        print(f"{counted(len(reviews), 'wording')} waiting for review" if reviews else "nothing waiting for review")
        return 0
    if not args.tickets:
        return fail(f"name the tickets to {args.action}, e.g. chatdesk kb review {args.action} T-12")
    status = 0
    for given in args.tickets:
        ticket = parse_ticket_id(given)
        done = decide_reviews(reviews, ticket, accept=args.action == "accept",
                              default_language=language) if ticket else []
        if not done:
            status = fail(f"nothing from {given} is waiting for review (see chatdesk kb review)")
        for slug, wordings in done:
            for wording in wordings:
                print(f"{args.action}ed {ticket} → {slug}: “{wording}”")
    return status
