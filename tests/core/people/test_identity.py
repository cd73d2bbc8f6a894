"""身份证号 and phone validation, masks and pinyin keys."""
from __future__ import annotations

import datetime as dt

from core.people.identity import (check_digit, id_birth_date, id_gender, id_problem, make_id_number, mask_id,
                                  mask_mobile, mobile_problem, pinyin_keys)


def test_gb11643_check_digit_on_published_examples():
    assert id_problem("11010519491231002X") is None  # the standard's own example
    assert id_problem("440524188001010014") is None
    assert check_digit("11010519491231002") == "X"
    assert "校验位" in id_problem("110105194912310021")
    assert "出生日期" in id_problem("110105194913310029".replace("9", "9"))
    assert id_problem("1101051949123100") is not None  # too short
    assert id_problem("11010519491231002x".upper()) is None


def test_generated_numbers_are_valid_and_carry_birth_and_gender():
    number = make_id_number("340822", dt.date(1990, 2, 28), 7, "female")
    assert number.startswith("34082219900228") and id_problem(number) is None
    assert id_birth_date(number) == dt.date(1990, 2, 28) and id_gender(number) == "female"
    assert id_gender(make_id_number("340822", dt.date(1990, 2, 28), 7, "male")) == "male"


def test_future_birth_date_is_refused():
    future = make_id_number("340822", dt.date.today() + dt.timedelta(days=400), 1, "male")
    assert "出生日期" in id_problem(future)


def test_masks_and_mobile():
    assert mask_id("340101199001011234") == "3401*************4"
    assert mask_id("340101900101123") == "3401***********"  # an old 15-digit number ends in the gender digit
    assert mask_mobile("13812345678") == "138****5678"
    assert mobile_problem("13812345678") is None
    assert mobile_problem("12812345678") and mobile_problem("1381234567")


def test_pinyin_keys():
    assert pinyin_keys("张三") == ("zs", "zhangsan")
    assert pinyin_keys("欧阳娜娜") == ("oynn", "ouyangnana")
