"""``suture udi``: parse UDI barcode strings (GS1, HIBCC, ICCBBA) from the command line."""

from __future__ import annotations

import datetime as dt

import orjson
import typer

from suture.codecs.udi import UdiError, parse_udi_parts

app = typer.Typer(help="Parse Unique Device Identifiers (GS1, HIBCC, ICCBBA).", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Keep ``parse`` a named subcommand even though it is the only one."""


@app.command()
def parse(
    strings: list[str] = typer.Argument(
        ...,
        metavar="STRING",
        help="The UDI as scanned or printed. Several strings are parts of one label (primary, secondaries). "
        "Write the GS1 FNC1/GS separator as <GS> if your shell cannot pass byte 0x1d.",
    ),
    verify_check: bool = typer.Option(
        True, "--verify-check/--no-verify-check", help="Reject a wrong check digit or check character."
    ),
    reference_year: int | None = typer.Option(
        None, help="Year for the GS1 century window of two-digit years (default: the current year)."
    ),
) -> None:
    """Print the parsed UDI as JSON: issuer, device identifier, lot, serial, expiry, manufacture date."""
    year = reference_year if reference_year is not None else dt.date.today().year
    try:
        udi = parse_udi_parts(*strings, verify_check_digits=verify_check, reference_year=year)
    except UdiError as exc:
        typer.echo(f"error: {exc.reason}", err=True)
        raise typer.Exit(2) from None
    typer.echo(orjson.dumps(udi.to_dict(), option=orjson.OPT_INDENT_2).decode())
