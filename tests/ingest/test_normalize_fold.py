"""Folding text for matching: Arabic variants, accents, digits, punctuation."""

from akhbar.ingest.normalize import fold_arabic, fold_text


def test_arabic_variants_fold_to_one_spelling() -> None:
    assert fold_arabic("أحمد") == fold_arabic("احمد") == fold_arabic("إحمد") == "احمد"
    assert fold_arabic("مدرسة") == "مدرسه"
    assert fold_arabic("مستشفى") == "مستشفي"
    assert fold_arabic("مَدْرَسَةٌ") == "مدرسه"  # diacritics gone
    assert fold_arabic("الجـــزائر") == fold_arabic("الجزائر") == "الجزاير"  # tatweel gone
    assert fold_arabic("عام ٢٠٢٤") == "عام 2024"
    assert fold_arabic("مسؤول") == "مسوول" and fold_arabic("رئيس") == "رييس"


def test_fold_text_for_latin_and_mixed_text() -> None:
    assert fold_text("Élection présidentielle : Tebboune réélu !") == "election presidentielle tebboune reelu"
    assert fold_text("L'ONU à Genève") == "l onu a geneve"
    assert fold_text("الحسيمة، اليوم!") == "الحسيمه اليوم"
    assert fold_text("ＡＢＣ １２３") == "abc 123"  # NFKC
