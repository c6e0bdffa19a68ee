from bot.core.counters import counter_reading, is_duration, number_kana, number_value


def test_numbers_in_every_script_we_meet() -> None:
    assert number_value("24") == 24
    assert number_value("２４") == 24
    assert number_value("二十四") == 24
    assert number_value("十") == 10
    assert number_value("三百") == 300
    assert number_value("日") is None


def test_plain_number_readings_follow_sound_changes() -> None:
    assert number_kana(15) == "じゅうご"
    assert number_kana(300) == "さんびゃく"
    assert number_kana(8000) == "はっせん"
    assert number_kana(10000) is None


def test_counter_table_exact_last_digit_and_default() -> None:
    assert counter_reading("日", 1) == "ついたち"
    assert counter_reading("日", 1, duration=True) == "いちにち"
    assert counter_reading("日", 2, duration=True) == "ふつか"
    assert counter_reading("日", 31) == "さんじゅういちにち"
    assert counter_reading("回", 11) == "じゅういっかい"
    assert counter_reading("人", 14) == "じゅうよにん"
    assert counter_reading("本", 3) is None  # not in the table: the analyzer's reading stays


def test_date_or_duration_context() -> None:
    assert is_duration("", "に2回")
    assert is_duration("", "中")
    assert not is_duration("4月", "に")
    assert not is_duration("毎月", "に")
    assert not is_duration("", "まで")
    assert not is_duration("", "")
