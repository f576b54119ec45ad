"""Arabic pages as Morocco writes them: Western digits, decimal comma, thousands grouped by a
no-break space (1 123 961 and 0,9, as on the French pages), day/month/year dates, weeks from Monday.

Django's own Arabic formats group nothing (1123961) and read typed dates as month/day/year. The
no-break space and the comma are "common number separators" for the Unicode bidi algorithm, so a
grouped number stays one left-to-right run inside a right-to-left sentence; an ordinary space would
split it and show "600 1" for 1 600 (tests/browser/test_arabic.py measures it in Chromium).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
