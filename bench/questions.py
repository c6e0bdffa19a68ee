"""Realistic questions in seven languages shared by the benchmarks."""

QUESTIONS = [
    "ngay nao do rac nhua",
    "プラスチックごみの収集日はいつですか",
    "quando é a coleta de lixo não queimável?",
    "qué día sacan la basura de plástico",
    "kailan ang koleksyon ng plastik",
    "what day is plastic collection",
    "塑料垃圾哪天收",
    "dong dat thi lam gi",
    "how do I sign up for the Japanese class",
    "recommend a good hotel in Kyoto",
    "consultation desk in portuguese which days",
    "電球はどうやって捨てますか",
    "buntis ako, ano ang dapat kong gawin",
    "免费法律咨询",
]
