"""UDI codec: GS1 (via biip), HIBCC and ICCBBA Unique Device Identifiers parsed into one ``Udi`` value.

Pure: no I/O, no clock. See :func:`parse_udi` for the accepted forms.
"""

from suture.codecs.udi.hibcc import check_character as hibcc_check_character
from suture.codecs.udi.model import Issuer, Udi, UdiError
from suture.codecs.udi.parse import device_identifier_key, parse_udi, parse_udi_parts

__all__ = [
    "Issuer",
    "Udi",
    "UdiError",
    "device_identifier_key",
    "hibcc_check_character",
    "parse_udi",
    "parse_udi_parts",
]
