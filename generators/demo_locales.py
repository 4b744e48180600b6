"""What the demo CRM says in each language: cities with their regions, products with prices, the notes of
interactions and the texts of support tickets (English and Russian)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["LOCALES", "Locale"]


@dataclass(frozen=True)
class Locale:
    cities: tuple[tuple[str, str, float], ...]  # city, region, population weight
    products: tuple[tuple[str, float, float], ...]  # name, median price, share of deals
    notes: Mapping[str, Sequence[str]]  # "outcome/medium" (or "outcome/any") -> note templates
    tickets: Mapping[str, Sequence[str]]  # category -> ticket templates


EN = Locale(
    cities=(
        ("New York", "New York", 8.3), ("Los Angeles", "California", 3.9), ("Chicago", "Illinois", 2.7),
        ("Houston", "Texas", 2.3), ("Phoenix", "Arizona", 1.6), ("Philadelphia", "Pennsylvania", 1.6),
        ("San Antonio", "Texas", 1.5), ("San Diego", "California", 1.4), ("Dallas", "Texas", 1.3),
        ("San Jose", "California", 1.0), ("Austin", "Texas", 1.0), ("Jacksonville", "Florida", 0.95),
        ("Columbus", "Ohio", 0.9), ("Charlotte", "North Carolina", 0.9), ("Seattle", "Washington", 0.75),
        ("Denver", "Colorado", 0.7), ("Boston", "Massachusetts", 0.65), ("Portland", "Oregon", 0.65),
        ("Atlanta", "Georgia", 0.5), ("Miami", "Florida", 0.45),
    ),
    products=(
        ("Basic subscription", 120, 0.22), ("Premium subscription", 480, 0.12), ("Smartphone", 750, 0.16),
        ("Laptop", 1300, 0.10), ("Extended warranty", 150, 0.14), ("Installation service", 220, 0.12),
        ("Accessories bundle", 90, 0.14),
    ),
    notes={
        "reached/call": (
            "Called {first} {last} at {phone}, asked to call back tomorrow.",
            "Spoke with the client about {product}, interested, sending details.",
            "Reached {first} on {phone}. Discussed pricing for {product}.",
            "Talked to {first}, wants a quote by email at {email}.",
        ),
        "reached/visit": (
            "{first} {last} came to the store, looked at {product}.",
            "Client visited the store, asked about {product}.",
            "Showed {product} in the store, the client will think it over.",
        ),
        "no_answer/call": (
            "No answer at {phone}, left voicemail.",
            "Tried calling {first} {last} twice, no answer.",
            "Did not pick up.",
        ),
        "no_answer/written": (
            "Sent a reminder to {email}, no response.",
            "No reply yet.",
            "Offer sent to {email}, waiting for an answer.",
        ),
        "replied/written": (
            "{first} replied from {email}: wants more details on {product}.",
            "Client replied, asked about delivery times.",
            "Got a reply, asked to reschedule.",
            "Reply received; the client is comparing us with a competitor.",
        ),
        "meeting/any": (
            "Meeting booked with {first} {last} to demo {product}.",
            "Met the client in person, showed {product}.",
            "Video call scheduled, invite sent to {email}.",
            "Meeting held, client ready to sign.",
        ),
        "declined/any": (
            "Client declined: price too high.",
            "{first} {last} not interested, asked not to call {phone} again.",
            "Declined, chose a competitor.",
            "Client postponed the purchase indefinitely.",
        ),
    },
    tickets={
        "billing": (
            "I was charged twice for my order. Card {card}, please refund.",
            "The invoice amount does not match the offer I got.",
            "Please send the receipt to {email}.",
            "Refund still not received after two weeks.",
        ),
        "delivery": (
            "My order has not arrived yet, please call me at {phone}.",
            "The courier did not show up. Delivery address: {address}.",
            "The package arrived damaged.",
            "I need to change the delivery date.",
        ),
        "product_defect": (
            "The {product} stopped working after a week.",
            "The device is defective, I want a replacement.",
            "The screen flickers, please advise. Contact: {phone}.",
        ),
        "account": (
            "Cannot log in, the password reset email never comes to {email}.",
            "Please update my phone number to {phone}.",
            "Please delete my account. {full_name}, {email}.",
            "New passport number for my profile: {passport}.",
        ),
        "medical_certificate": (
            "I was in hospital and missed the payment; attaching a medical certificate.",
            "Cancelling the contract for health reasons, doctor's note attached. {full_name}, {phone}.",
            "Diagnosed with diabetes, asking for a payment holiday, certificate enclosed.",
            "Sick leave certificate attached, please postpone the delivery.",
        ),
        "disability_access": (
            "I use a wheelchair. Is your store accessible?",
            "I am visually impaired, please send documents in large print to {email}.",
            "Hearing impaired, please contact me only by email: {email}.",
            "I need a sign language interpreter for the meeting.",
        ),
    },
)

RU = Locale(
    cities=(
        ("Москва", "Москва", 12.6), ("Санкт-Петербург", "Санкт-Петербург", 5.4),
        ("Новосибирск", "Новосибирская область", 1.6), ("Екатеринбург", "Свердловская область", 1.5),
        ("Казань", "Республика Татарстан", 1.3), ("Нижний Новгород", "Нижегородская область", 1.2),
        ("Красноярск", "Красноярский край", 1.2), ("Челябинск", "Челябинская область", 1.2),
        ("Самара", "Самарская область", 1.2), ("Уфа", "Республика Башкортостан", 1.1),
        ("Ростов-на-Дону", "Ростовская область", 1.1), ("Омск", "Омская область", 1.1),
        ("Краснодар", "Краснодарский край", 1.1), ("Воронеж", "Воронежская область", 1.0),
        ("Пермь", "Пермский край", 1.0), ("Волгоград", "Волгоградская область", 1.0),
        ("Тюмень", "Тюменская область", 0.85), ("Иркутск", "Иркутская область", 0.6),
        ("Владивосток", "Приморский край", 0.6), ("Калининград", "Калининградская область", 0.5),
    ),
    products=(
        ("Базовая подписка", 9_900, 0.22), ("Премиум-подписка", 39_000, 0.12), ("Смартфон", 65_000, 0.16),
        ("Ноутбук", 110_000, 0.10), ("Расширенная гарантия", 12_000, 0.14),
        ("Услуга установки", 15_000, 0.12), ("Набор аксессуаров", 7_500, 0.14),
    ),
    notes={
        "reached/call": (
            "Звонок на {phone}: {first} {last} просит перезвонить завтра.",
            "Обсудили «{product}», клиент заинтересован{a}, отправляю детали.",
            "Дозвонился, {first} уточняет цену на «{product}».",
            "{first} {last} просит прислать КП на {email}.",
        ),
        "reached/visit": (
            "{first} {last} в магазине, смотрел{a} «{product}».",
            "Клиент пришёл в магазин, спрашивал про «{product}».",
            "Показал «{product}» в магазине, клиент подумает.",
        ),
        "no_answer/call": (
            "Не дозвонился на {phone}, оставил сообщение.",
            "{first} {last} не берёт трубку, два звонка без ответа.",
            "Клиент не ответил на звонок.",
        ),
        "no_answer/written": (
            "Отправил напоминание на {email}, ответа нет.",
            "Ответа пока нет.",
            "КП отправлено на {email}, ждём ответа.",
        ),
        "replied/written": (
            "{first} ответил{a} с {email}: нужны подробности по «{product}».",
            "Клиент ответил, спрашивает про сроки доставки.",
            "Пришёл ответ, просит перенести встречу.",
            "Ответ получен, клиент сравнивает нас с конкурентами.",
        ),
        "meeting/any": (
            "Назначена встреча: {first} {last}, демонстрация «{product}».",
            "Встретились с клиентом, показал «{product}».",
            "Видеозвонок назначен, приглашение отправлено на {email}.",
            "Встреча прошла, клиент готов подписать договор.",
        ),
        "declined/any": (
            "Клиент отказался: дорого.",
            "{first} {last} не заинтересован{a}, просит больше не звонить на {phone}.",
            "Отказ, клиент выбрал конкурента.",
            "Клиент отложил покупку на неопределённый срок.",
        ),
    },
    tickets={
        "billing": (
            "Списали деньги дважды за один заказ, карта {card}. Прошу вернуть.",
            "Сумма в счёте не совпадает с предложением.",
            "Пришлите, пожалуйста, чек на {email}.",
            "Возврат так и не пришёл, прошло две недели.",
        ),
        "delivery": (
            "Заказ до сих пор не доставлен, позвоните мне: {phone}.",
            "Курьер не приехал. Адрес доставки: {address}.",
            "Посылка пришла повреждённой.",
            "Нужно перенести дату доставки.",
        ),
        "product_defect": (
            "«{product}» перестал работать через неделю.",
            "Устройство бракованное, прошу замену.",
            "Мерцает экран, подскажите, что делать. Телефон: {phone}.",
        ),
        "account": (
            "Не могу войти, письмо для сброса пароля не приходит на {email}.",
            "Прошу изменить номер телефона в профиле на {phone}.",
            "Прошу удалить мой аккаунт. {full_name}, {email}.",
            "Обновите паспортные данные: {passport}.",
        ),
        "medical_certificate": (
            "Лежал{a} в больнице и пропустил{a} платёж, прикладываю медицинскую справку.",
            "Расторгаю договор по состоянию здоровья, справка от врача приложена. "
            "{full_name}, СНИЛС {snils}.",
            "Поставили диагноз диабет, прошу отсрочку платежа, справка приложена.",
            "Прикладываю больничный лист, прошу перенести доставку.",
        ),
        "disability_access": (
            "Я передвигаюсь на коляске. Есть ли в магазине пандус?",
            "У меня плохое зрение, пришлите документы крупным шрифтом на {email}.",
            "Я плохо слышу, связывайтесь со мной только по почте: {email}.",
            "Нужен сурдопереводчик на встречу.",
        ),
    },
)
LOCALES = {"en_US": EN, "ru_RU": RU}
