"""Health insurance, medical care, pension/tax and school questions, and the near
topics that used to steal each other's questions, in all seven languages.

Played through the real Service (SQLite store, sessions, logging), each question
from a new resident, so the reply language comes from the message alone. The
questions are residents' wordings, most of them not variants of the entries.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.core.dialogue import Bot
from bot.core.types import Incoming, Result
from bot.service import Service
from bot.storage import Store

NEW_TOPICS = [
    # life.health_insurance
    ("ja", "life.health_insurance", "会社の保険がないので国民健康保険に入りたい"),
    ("vi", "life.health_insurance", "tôi muốn đăng ký bảo hiểm y tế"),
    ("vi", "life.health_insurance", "the bao hiem suc khoe lam o dau"),
    ("pt", "life.health_insurance", "preciso fazer o kokumin kenko hoken?"),
    ("pt", "life.health_insurance", "como faço o seguro saude aqui"),
    ("es", "life.health_insurance", "como me afilio al seguro medico nacional"),
    ("tl", "life.health_insurance", "kailangan ba ng health insurance dito sa japan"),
    ("en", "life.health_insurance", "do I have to join national health insurance"),
    ("en", "life.health_insurance", "health insurance"),
    ("zh", "life.health_insurance", "国民健康保险怎么加入"),
    # life.medical
    ("ja", "life.medical", "日曜日にやっている病院をさがしています"),
    ("ja", "life.medical", "病院はどこですか"),
    ("vi", "life.medical", "bệnh viện ở đâu"),
    ("pt", "life.medical", "meu filho está com febre à noite"),
    ("pt", "life.medical", "hospital perto de casa"),
    ("es", "life.medical", "necesito ir al hospital, cual clinica me recomiendan"),
    ("es", "life.medical", "donde hay un hospital"),
    ("tl", "life.medical", "may sakit ako, saan may clinic"),
    ("tl", "life.medical", "saan ang ospital"),
    ("en", "life.medical", "I need a doctor who speaks English"),
    ("en", "life.medical", "where is the hospital"),
    ("zh", "life.medical", "周末哪里有医院开门"),
    ("zh", "life.medical", "医院在哪里"),
    # life.pension_tax
    ("ja", "life.pension_tax", "帰国するとき年金はもどってきますか"),
    ("vi", "life.pension_tax", "ve nuoc co lay lai tien nenkin duoc khong"),
    ("pt", "life.pension_tax", "reembolso da previdencia quando eu for embora"),
    ("es", "life.pension_tax", "que es el impuesto de residente"),
    ("tl", "life.pension_tax", "magkano ang buwis"),
    ("tl", "life.pension_tax", "pano makuha ulit ang pension pag uuwi na sa pinas"),
    ("en", "life.pension_tax", "how do I get my pension back when I leave Japan"),
    ("en", "life.pension_tax", "what is resident tax"),
    ("zh", "life.pension_tax", "住民税是什么"),
    ("zh", "life.pension_tax", "回国可以退养老金吗"),
    # life.school
    ("ja", "life.school", "子どもを小学校に入れたい"),
    ("ja", "life.school", "むすめを中学校に入れたいです"),
    ("vi", "life.school", "cho con đi học tiểu học ở nhật thế nào"),
    ("pt", "life.school", "quero colocar meu filho na escola japonesa"),
    ("es", "life.school", "¿cómo inscribo a mi hijo en la escuela?"),
    ("es", "life.school", "mi hija tiene 12 años, puede entrar a la secundaria?"),
    ("tl", "life.school", "pano ipasok ang anak ko sa elementary school"),
    ("en", "life.school", "how to register my kid for junior high school"),
    ("zh", "life.school", "学校入学"),
    ("zh", "life.school", "孩子想上日本的公立小学"),
    ("zh", "life.school", "孩子入学怎么办理"),
]

NEAR_TOPICS = [
    # Consulting about a visa is consult.visa, not volunteering or childcare.
    ("ja", "consult.visa", "ビザの相談をしたい"),
    ("en", "consult.visa", "I want to consult about my visa"),
    ("pt", "consult.visa", "consulta sobre visto"),
    ("es", "consult.visa", "consulta sobre mi visa"),
    ("vi", "consult.visa", "tư vấn visa"),
    ("tl", "consult.visa", "konsulta tungkol sa visa"),
    ("zh", "consult.visa", "签证咨询"),
    # Volunteering in a disaster vs. at international events.
    ("ja", "disaster.volunteer", "地震の時にボランティアをしたい"),
    ("en", "disaster.volunteer", "I want to volunteer when there is an earthquake"),
    ("pt", "disaster.volunteer", "quero ser voluntário em caso de terremoto"),
    ("es", "disaster.volunteer", "quiero ser voluntario en desastres"),
    ("es", "disaster.volunteer", "voluntario para terremoto"),
    ("tl", "disaster.volunteer", "gusto ko mag volunteer sa disaster"),
    ("tl", "disaster.volunteer", "volunteer pag may lindol"),
    ("vi", "disaster.volunteer", "muốn làm tình nguyện viên khi có động đất"),
    ("zh", "disaster.volunteer", "地震时想当志愿者"),
    ("ja", "life.intl_volunteer", "国際交流のイベントでボランティアしたい"),
    ("en", "life.intl_volunteer", "I want to volunteer at international events"),
    ("pt", "life.intl_volunteer", "quero ser voluntário nos eventos internacionais"),
    ("es", "life.intl_volunteer", "voluntario internacional"),
    ("tl", "life.intl_volunteer", "gusto ko mag volunteer sa international exchange"),
    ("vi", "life.intl_volunteer", "muốn làm tình nguyện viên giao lưu quốc tế"),
    ("zh", "life.intl_volunteer", "国际交流志愿者"),
    # A hospital is not the bus; the bus to the hospital still is.
    ("en", "life.bus", "bus to the hospital"),
    ("ja", "life.bus", "病院まで行くバス"),
    # Daycare is childcare, not the children's Japanese class.
    ("ja", "consult.childcare", "保育園に入りたい"),
    ("en", "consult.childcare", "my child needs daycare"),
    ("en", "consult.childcare", "I need daycare for my kid"),
    ("pt", "consult.childcare", "creche para meu filho"),
    ("es", "consult.childcare", "guarderia para mi hijo"),
    ("vi", "consult.childcare", "nha tre cho con"),
    ("tl", "consult.childcare", "daycare para sa anak ko"),
    ("zh", "consult.childcare", "托儿所"),
    ("en", "japanese.children", "my kid needs help with japanese"),
    # Someone not breathing is an emergency call (119), never the clinic list.
    ("zh", "disaster.emergency_call", "我朋友晕倒了，不能呼吸"),
    ("en", "disaster.emergency_call", "my friend collapsed and is not breathing"),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, bot: Bot) -> Service:
    store = Store(Path(tmp_path_factory.mktemp("life")) / "s.sqlite3")
    return Service(bot, store, b"k")


def ask(service: Service, text: str) -> Result:
    """One question from a resident the service has never seen."""
    user = hashlib.sha1(text.encode()).hexdigest()[:12]
    result = service.handle("web", user, Incoming(text=text))
    assert result is not None
    return result


@pytest.mark.parametrize(("lang", "topic", "text"), NEW_TOPICS + NEAR_TOPICS)
def test_question_finds_its_topic_in_the_residents_language(
    service: Service, lang: str, topic: str, text: str
) -> None:
    result = ask(service, text)
    assert (result.topic, result.lang) == (topic, lang), (
        f"{text!r}: {result.outcome} {result.topic} ({result.lang}, score {result.score:.2f})"
    )
    assert result.outcome in ("answer", "clarify")


@pytest.mark.parametrize(
    "text", ["孩子晚上发烧了怎么办", "my baby has a fever at night", "con bi sot ban dem"]
)
def test_a_sick_child_at_night_gets_8000_and_119(service: Service, text: str) -> None:
    result = ask(service, text)
    assert result.topic == "life.medical"
    text_out = "\n".join(reply.text for reply in result.replies)
    assert "#8000" in text_out and "119" in text_out


def test_medical_answer_in_every_language_names_119_and_8000(bot: Bot) -> None:
    entry = bot.kb.entries["life.medical"]
    assert set(entry.answer) == {"ja", "vi", "pt", "es", "tl", "en", "zh"}
    for lang, answer in entry.answer.items():
        assert "119" in answer and "#8000" in answer, lang
