"""Product errors a marketer, council member, steward or admin can meet in the app, in English and Russian.

``error.<code>`` says one case of :class:`sandbox.errors.SandboxError` (its ``code``) with its ``values``;
``error.<ClassName>`` a class whose errors carry no code; ``error.kind.<ClassName>`` says an error these texts do
not know yet around its (English) message, ``{detail}``. Plain data only.
"""

from __future__ import annotations

ERRORS: dict[str, dict[str, str]] = {
    "en": {
        "error.gate_failed": "Dataset {dataset} did not pass its release gate: {reasons}.",
        "error.WorkspaceBusy": "The workspace is busy with another task; try again in a moment.",
        "error.lab.bad_values": "These values do not fit their columns: {items}.",
        "error.lab.no_date": "Table {table} has no date column to tell its first row.",
        "error.lab.count_below": "A count needs a table below {unit} (e.g. deals per customer); {table} is not below "
                                 "it.",
        "error.lab.not_numbers": "{ref} does not hold numbers, so it cannot be measured as a {kind}.",
        "error.lab.start_level": "The start {ref} must be a date of {unit} or of a table above it.",
        "error.lab.not_dates": "{ref} does not hold dates; a duration needs dates.",
        "error.lab.category_below": "A category mix reads a column of {unit} or of a table above it; {table} is below.",
        "error.lab.not_linked": "Not linked to {unit} in this dataset: {tables}.",
        "error.lab.unknown_names": "The question names tables or columns this dataset does not have ({count}).",
        "error.lab.query_failed": "The question could not be answered on this dataset; change its filters or metric.",
        "error.explore.not_date": "{ref} is not a date, so it cannot be grouped by period.",
        "error.size.no_rate": "Group A has no rate to start from.",
        "error.size.no_variation": "The groups do not vary, so no sample size can be computed.",
        "error.size.rate_bounds": "With this effect a rate would leave 0-100%; choose a smaller effect.",
        "error.size.no_difference": "An effect of 0 is no difference to detect; choose the smallest effect worth "
                                    "detecting.",
        "error.dataset.unknown": "There is no dataset {dataset}; the Datasets page lists them.",
        "error.dataset.withdrawn_source": "Dataset {dataset} was withdrawn: its source data was deleted or expired. "
                                          "Use a newer dataset.",
        "error.dataset.withdrawn_modified": "Dataset {dataset} was withdrawn: it was modified after it was published. "
                                            "Use a newer dataset.",
        "error.dataset.file_missing": "The file of dataset {dataset} is missing; a steward restores or withdraws it.",
        "error.dataset.seal_broken": "Dataset {dataset} was modified after it was published (its seal is broken); it "
                                     "has been withdrawn and the stewards are told.",
        "error.override.reason": "Say in a few words why the dataset should be published despite its gate.",
        "error.override.published": "Dataset {dataset} is already published; it needs no override.",
        "error.override.passed": "Dataset {dataset} passed its gate; it needs no override.",
        "error.override.not_evaluated": "Dataset {dataset} has not been through its gate yet; a steward evaluates it "
                                        "first.",
        "error.report.none": "Dataset {dataset} has no gate report yet; a steward evaluates it first.",
        "error.proposal.not_yours": "Only the proposer ({proposer}) may change proposal {id}.",
        "error.proposal.change_flags": "This change to {id} raises flags ({flags}); acknowledge the soft ones first, "
                                       "or withdraw the proposal.",
        "error.proposal.hard_flags": "{id} cannot be submitted while a hard rule stands: {flags}.",
        "error.proposal.soft_flags": "{id} has flags to acknowledge with a written reason first: {flags}.",
        "error.proposal.expired": "The approval of {id} expired on {expired}; edit and resubmit it.",
        "error.proposal.illegal": "Proposal {id} is {state} and cannot be {action} now.",
        "error.proposal.unknown": "There is no proposal {id}.",
        "error.packet.not_approved": "Proposal {id} is {state}; a rollout packet exists only after approval.",
        "error.ack.reason": "Write a reason of at least a few words to acknowledge a flag.",
        "error.ack.hard": "\"{flag}\" is a hard rule: it cannot be acknowledged, only fixed.",
        "error.vote.no_reason": "Every vote needs a written reason.",
        "error.vote.no_seat": "{name} has no council seat and cannot vote.",
        "error.vote.own": "You proposed {id} and cannot vote on it.",
        "error.vote.hard_flags": "{id} now breaks a hard rule ({flags}); reject it or request changes.",
        "error.export.justify": "Say why this export is needed (at least {min} characters); it is logged and sent to "
                                "your manager.",
        "error.export.not_published": "Dataset {dataset} is not published; only published synthetic datasets can be "
                                      "exported.",
        "error.export.quota": "Marketers may export {limit} rows a day; you exported {used} today and asked for "
                              "{rows} more. Export fewer rows, or ask a steward for a bulk export.",
        "error.catalog.none": "Source {source} has no catalog yet; a steward ingests it first.",
        "error.catalog.reason": "Say why the catalog changes (a reason of at least 5 characters is recorded).",
        "error.catalog.retention": "Retention is at least one day.",
        "error.catalog.invalid": "The change does not fit the catalog at {where}; check that value.",
        "error.catalog.no_column": "The catalog has no column {ref}.",
        "error.access.denied": "{name} ({role}) is not allowed to do this.",
        "error.user.password_short": "A password needs at least {min} characters.",
        "error.user.bad_name": "A user name is lowercase letters, digits and . _ @ + - (at most 64): \"{name}\" is "
                               "not.",
        "error.user.seat_needed": "A council member needs a seat: one of {seats}.",
        "error.user.seat_only_council": "Only council members have a seat.",
        "error.user.exists": "User {name} exists already; change their role or disable them instead.",
        "error.user.email_taken": "The e-mail {email} already signs in as {name}.",
        "error.user.no_manager": "Manager {name} is not a registered user.",
        "error.user.unknown": "There is no user {name}.",
        "error.user.last_admin": "{name} is the last enabled admin; add another admin first.",
        "error.login.wrong": "Wrong name or password.",
        "error.login.wrong_locked": "Wrong name or password; after too many failures the account is locked for "
                                    "{minutes} minutes.",
        "error.login.locked": "Too many failed sign-ins: the account is locked until {until} UTC.",
        "error.login.disabled": "This account is disabled; ask an admin.",
        "error.session.none": "You are not signed in; sign in again.",
        "error.session.disabled": "This account is disabled; ask an admin.",
        "error.session.expired": "Your session has expired; sign in again.",
        "error.session.idle": "Signed out after {minutes} minutes without activity; sign in again.",
        "error.verb.submit": "submitted", "error.verb.approve": "approved", "error.verb.reject": "rejected",
        "error.verb.request_changes": "sent back for changes", "error.verb.roll_out": "rolled out",
        "error.verb.withdraw": "withdrawn", "error.verb.edit": "edited", "error.verb.acknowledge": "acknowledged",
        "error.verb.vote": "voted on",
        **{f"error.kind.{kind}": "{detail}" for kind in ("SandboxError", "InputError", "UnknownObject", "AccessDenied",
                                                        "NotAuthenticated", "IntegrityError", "IllegalTransition",
                                                        "PolicyBlocked", "GateFailed", "CatalogError")},
    },
    "ru": {
        "error.gate_failed": "Набор {dataset} не прошёл контроль выпуска: {reasons}.",
        "error.WorkspaceBusy": "Рабочее пространство занято другой задачей; повторите чуть позже.",
        "error.lab.bad_values": "Эти значения не подходят к своим столбцам: {items}.",
        "error.lab.no_date": "В таблице {table} нет столбца с датой, по которому видно первую строку.",
        "error.lab.count_below": "Для подсчёта нужна таблица уровнем ниже {unit} (например, сделки на клиента); "
                                 "{table} не ниже.",
        "error.lab.not_numbers": "В {ref} не числа, поэтому показатель «{kind}» по нему не посчитать.",
        "error.lab.start_level": "Начало {ref} должно быть датой {unit} или таблицы уровнем выше.",
        "error.lab.not_dates": "В {ref} не даты, а длительность считается по датам.",
        "error.lab.category_below": "Структура категорий берётся из столбца {unit} или таблицы уровнем выше; {table} "
                                    "ниже.",
        "error.lab.not_linked": "В этом наборе не связаны с {unit}: {tables}.",
        "error.lab.unknown_names": "В вопросе есть таблицы или столбцы, которых нет в этом наборе ({count}).",
        "error.lab.query_failed": "На этом наборе вопрос не получилось посчитать; измените фильтры или показатель.",
        "error.explore.not_date": "{ref} — не дата, поэтому группировать по периодам нельзя.",
        "error.size.no_rate": "У группы A нет доли, от которой считать.",
        "error.size.no_variation": "Значения в группах не различаются, поэтому размер выборки не посчитать.",
        "error.size.rate_bounds": "С таким эффектом доля вышла бы за пределы 0–100%; выберите эффект поменьше.",
        "error.size.no_difference": "Эффект 0 — это отсутствие разницы; укажите наименьший эффект, который стоит "
                                    "обнаружить.",
        "error.dataset.unknown": "Набора {dataset} нет; наборы перечислены на странице «Наборы данных».",
        "error.dataset.withdrawn_source": "Набор {dataset} отозван: его исходные данные удалены или истёк срок их "
                                          "хранения. Возьмите более новый набор.",
        "error.dataset.withdrawn_modified": "Набор {dataset} отозван: его изменили после публикации. Возьмите более "
                                            "новый набор.",
        "error.dataset.file_missing": "Файл набора {dataset} пропал; стюард восстановит или отзовёт набор.",
        "error.dataset.seal_broken": "Набор {dataset} изменили после публикации (печать нарушена); он отозван, "
                                     "стюарды уведомлены.",
        "error.override.reason": "Объясните в нескольких словах, почему набор нужно опубликовать вопреки контролю.",
        "error.override.published": "Набор {dataset} уже опубликован; исключение не нужно.",
        "error.override.passed": "Набор {dataset} прошёл контроль; исключение не нужно.",
        "error.override.not_evaluated": "Набор {dataset} ещё не проходил контроль; сначала его проверяет стюард.",
        "error.report.none": "У набора {dataset} ещё нет отчёта контроля; сначала его проверяет стюард.",
        "error.proposal.not_yours": "Менять предложение {id} может только его автор ({proposer}).",
        "error.proposal.change_flags": "Это изменение {id} вызывает замечания ({flags}); сначала подтвердите мягкие "
                                       "или отзовите предложение.",
        "error.proposal.hard_flags": "{id} нельзя отправить, пока действует жёсткое правило: {flags}.",
        "error.proposal.soft_flags": "У {id} есть замечания, которые сначала нужно подтвердить письменным "
                                     "обоснованием: {flags}.",
        "error.proposal.expired": "Одобрение {id} истекло {expired}; измените предложение и отправьте его снова.",
        "error.proposal.illegal": "Предложение {id} сейчас в статусе «{state}», его нельзя {action}.",
        "error.proposal.unknown": "Предложения {id} нет.",
        "error.packet.not_approved": "Предложение {id} в статусе «{state}»; пакет запуска появляется только после "
                                     "одобрения.",
        "error.ack.reason": "Чтобы подтвердить замечание, напишите обоснование хотя бы в несколько слов.",
        "error.ack.hard": "«{flag}» — жёсткое правило: его нельзя подтвердить, только исправить.",
        "error.vote.no_reason": "Каждый голос требует письменного обоснования.",
        "error.vote.no_seat": "У {name} нет места в совете, голосовать нельзя.",
        "error.vote.own": "Вы автор {id} и не можете за него голосовать.",
        "error.vote.hard_flags": "{id} теперь нарушает жёсткое правило ({flags}); отклоните его или запросите правки.",
        "error.export.justify": "Объясните, зачем нужна выгрузка (не меньше {min} символов); обоснование "
                                "записывается и отправляется вашему руководителю.",
        "error.export.not_published": "Набор {dataset} не опубликован; выгружать можно только опубликованные "
                                      "синтетические наборы.",
        "error.export.quota": "Маркетолог может выгрузить не больше {limit} строк в день; сегодня вы выгрузили "
                              "{used} и просите ещё {rows}. Выгрузите меньше строк или попросите стюарда о полной "
                              "выгрузке.",
        "error.catalog.none": "У источника {source} ещё нет каталога; сначала стюард загружает его.",
        "error.catalog.reason": "Объясните, почему меняется каталог (записывается обоснование не короче 5 "
                                "символов).",
        "error.catalog.retention": "Срок хранения — не меньше одного дня.",
        "error.catalog.invalid": "Изменение не подходит каталогу в {where}; проверьте это значение.",
        "error.catalog.no_column": "В каталоге нет столбца {ref}.",
        "error.access.denied": "{name} ({role}) не может этого делать.",
        "error.user.password_short": "Пароль должен быть не короче {min} символов.",
        "error.user.bad_name": "Имя пользователя — строчные буквы, цифры и . _ @ + - (не больше 64 знаков); "
                               "«{name}» не подходит.",
        "error.user.seat_needed": "Члену совета нужно место: {seats}.",
        "error.user.seat_only_council": "Место в совете бывает только у членов совета.",
        "error.user.exists": "Пользователь {name} уже есть; вместо этого измените его роль или отключите его.",
        "error.user.email_taken": "С адресом {email} уже входит {name}.",
        "error.user.no_manager": "Руководитель {name} не зарегистрирован.",
        "error.user.unknown": "Пользователя {name} нет.",
        "error.user.last_admin": "{name} — последний включённый администратор; сначала добавьте другого.",
        "error.login.wrong": "Неверное имя или пароль.",
        "error.login.wrong_locked": "Неверное имя или пароль; после слишком многих ошибок учётная запись "
                                    "заблокирована на {minutes} мин.",
        "error.login.locked": "Слишком много неудачных входов: учётная запись заблокирована до {until} UTC.",
        "error.login.disabled": "Эта учётная запись отключена; обратитесь к администратору.",
        "error.session.none": "Вы не вошли; войдите снова.",
        "error.session.disabled": "Эта учётная запись отключена; обратитесь к администратору.",
        "error.session.expired": "Сеанс истёк; войдите снова.",
        "error.session.idle": "Выход после {minutes} мин без действий; войдите снова.",
        "error.verb.submit": "отправить", "error.verb.approve": "одобрить", "error.verb.reject": "отклонить",
        "error.verb.request_changes": "вернуть на доработку", "error.verb.roll_out": "запустить",
        "error.verb.withdraw": "отозвать", "error.verb.edit": "изменить", "error.verb.acknowledge": "подтвердить",
        "error.verb.vote": "голосовать за него",
        "error.kind.SandboxError": "Действие не выполнено (подробности на английском: {detail}).",
        "error.kind.InputError": "Введённые данные не подходят (подробности на английском: {detail}).",
        "error.kind.UnknownObject": "Такого объекта нет (подробности на английском: {detail}).",
        "error.kind.AccessDenied": "Ваша роль не позволяет это действие (подробности на английском: {detail}).",
        "error.kind.NotAuthenticated": "Войдите снова (подробности на английском: {detail}).",
        "error.kind.IntegrityError": "Данные повреждены или изменены (подробности на английском: {detail}).",
        "error.kind.IllegalTransition": "Сейчас это действие с предложением невозможно (подробности на английском: "
                                        "{detail}).",
        "error.kind.PolicyBlocked": "Это запрещает политика совета (подробности на английском: {detail}).",
        "error.kind.GateFailed": "Набор не прошёл контроль выпуска (подробности на английском: {detail}).",
        "error.kind.CatalogError": "Каталог неполон или неверен (подробности на английском: {detail}).",
    },
}
