# One date style per language, everywhere (pages, e-mails, report, charts): "1 April 2023",
# "1 April 2023, 08:19". Django's English default is the US style ("April 1, 2023, 8:19 a.m.").
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
