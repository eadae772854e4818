//! The staff page: access applications, profile checks, and charges.

use super::{
    StaffAccessDecide, StaffAddCharge, StaffAuthorityDecide, StaffDecide, staff_access_requests,
    staff_authority_reviews, staff_check, staff_find, staff_reviews,
};
use crate::AuthEpoch;
use crate::components::{Field, FormAlert, FormErrors};
use crate::error::AppError;
use domain::forms::ChargeForm;
use domain::status::ChargeKind;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StaffPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let allowed = crate::codec::resource(move || epoch.get(), |_| staff_check());
    // Beside `allowed`, not inside its Suspense (see the contribution page).
    let decide = ServerAction::<StaffDecide>::new();
    let reviews = crate::codec::resource(
        move || (epoch.get(), decide.version().get()),
        |_| staff_reviews(),
    );
    let access_decide = ServerAction::<StaffAccessDecide>::new();
    let applications = crate::codec::resource(
        move || (epoch.get(), access_decide.version().get()),
        |_| staff_access_requests(),
    );
    let authority_decide = ServerAction::<StaffAuthorityDecide>::new();
    let authority = crate::codec::resource(
        move || (epoch.get(), authority_decide.version().get()),
        |_| staff_authority_reviews(),
    );
    let search = RwSignal::new(String::new());
    let found = crate::codec::resource(move || search.get(), staff_find);
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || allowed.get().map(|r| match r {
                Ok(()) => view! {
                    <StaffHome/>
                    <AccessApplications decide=access_decide applications/>
                    <AuthorityReviews decide=authority_decide authority/>
                    <Reviews decide reviews/>
                    <NewCharge search found/>
                }.into_any(),
                Err(AppError::NotFound) => view! { <crate::NotFound/> }.into_any(),
                Err(e) => view! { <crate::components::ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn StaffHome() -> impl IntoView {
    view! {
        <Title text="Кабинет сотрудника — Кабинет страхователя"/>
        <h1>"Кабинет сотрудника"</h1>
        <nav class="staff-links" aria-label="Разделы сотрудника">
            <a href="/staff/requests">"Запросы страхователей"</a>
            <a href="/staff/reports">"Отчёты на проверке"</a>
        </nav>
    }
}

#[component]
fn NewCharge(
    search: RwSignal<String>,
    found: crate::codec::Res<Result<Vec<domain::model::StaffPolicyholder>, AppError>>,
) -> impl IntoView {
    let action = ServerAction::<StaffAddCharge>::new();
    let errors = FormErrors::new();
    if let Some(Err(e)) = action.value().get_untracked() {
        errors.show::<()>(&Err(e));
    }
    let policyholder_id = RwSignal::new(String::new());
    let kind = RwSignal::new("penalty".to_string());
    let amount = RwSignal::new(String::new());
    let charged_on = RwSignal::new(
        chrono::Utc::now()
            .with_timezone(&domain::dates::moscow())
            .date_naive()
            .to_string(),
    );
    let description = RwSignal::new(String::new());
    let done = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            errors.show(&result);
            if result.is_ok() {
                done.set(Some(
                    "Начисление внесено. Страхователь уже видит его в кабинете.".into(),
                ));
                amount.set(String::new());
                description.set(String::new());
            } else {
                done.set(None);
            }
        }
    });
    let form = move || ChargeForm {
        policyholder_id: policyholder_id.get_untracked(),
        kind: kind.get_untracked(),
        amount: amount.get_untracked(),
        charged_on: charged_on.get_untracked(),
        description: description.get_untracked(),
    };
    let check = move |field: &'static str, value: RwSignal<String>| {
        Callback::new(move |_| {
            if !value.get_untracked().is_empty() {
                errors.set_field(field, form().check_field(field).err());
            }
        })
    };
    view! {
        <section class="auth-card staff-card" aria-labelledby="charge-title">
            <h2 id="charge-title">"Новое начисление"</h2>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert errors/>
                <div class="field">
                    <label for="f-search">"Поиск страхователя"</label>
                    <p class="hint" id="f-search-hint">"Наименование, ФИО, ИНН или ОГРН"</p>
                    <input id="f-search" type="search" aria-describedby="f-search-hint"
                        prop:value=move || search.get()
                        on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <div class="field" class:field-invalid=move || errors.field("policyholder_id").is_some()>
                    <label for="f-policyholder_id">"Страхователь"</label>
                    <Transition fallback=|| view! { <p class="muted">"Ищем…"</p> }>
                        {move || found.get().map(|r| {
                            let list = r.unwrap_or_default();
                            let current = policyholder_id.get_untracked();
                            view! {
                                <select id="f-policyholder_id" name="policyholder_id"
                                    aria-invalid=move || errors.field("policyholder_id").map(|_| "true")
                                    aria-describedby="f-policyholder_id-error"
                                    on:change=move |ev| {
                                        policyholder_id.set(event_target_value(&ev));
                                        errors.set_field("policyholder_id", None);
                                    }>
                                    <option value="">{format!("— выберите из найденных ({}) —", list.len())}</option>
                                    {list.into_iter().map(|p| {
                                        let selected = p.id == current;
                                        let label = match &p.inn {
                                            Some(inn) => format!("{} (ИНН {inn})", p.name),
                                            None => p.name.clone(),
                                        };
                                        view! { <option value=p.id.clone() selected=selected>{label}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <p class="field-error" id="f-policyholder_id-error">{move || errors.field("policyholder_id")}</p>
                </div>
                <div class="field">
                    <label for="f-kind">"Тип начисления"</label>
                    <select id="f-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        {ChargeKind::ALL.iter().map(|k| {
                            let selected = k.code() == kind.get_untracked();
                            view! { <option value=k.code() selected=selected>{k.label()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <Field label="Сумма, ₽" name="amount" errors value=amount inputmode="decimal" hint="Например, 1 500,00" on_blur=check("amount", amount)/>
                <Field label="Дата начисления" name="charged_on" kind="date" errors value=charged_on on_blur=check("charged_on", charged_on)/>
                <div class="field" class:field-invalid=move || errors.field("description").is_some()>
                    <label for="f-description">"Основание"</label>
                    <textarea id="f-description" name="description" rows="3" maxlength="300"
                        aria-invalid=move || errors.field("description").map(|_| "true")
                        aria-describedby="f-description-error"
                        prop:value=move || description.get()
                        on:input=move |ev| { description.set(event_target_value(&ev)); errors.set_field("description", None); }
                    ></textarea>
                    <p class="field-error" id="f-description-error">{move || errors.field("description")}</p>
                </div>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Внести начисление"</button>
                <p class="form-ok" role="status">{move || done.get()}</p>
            </ActionForm>
        </section>
    }
}

/// How a field reads in a review's heading: «паспорт», «ФИО», «дата рождения», «ИНН», «СНИЛС».
fn field_phrase(field: &str) -> &'static str {
    match field {
        "passport" => "паспорт",
        "full_name" => "ФИО",
        "birth_date" => "дата рождения",
        "inn" => "ИНН",
        "snils" => "СНИЛС",
        _ => "поле",
    }
}

/// A value as staff read it: dates as ДД.ММ.ГГГГ, the rest as stored.
fn shown(field: &str, value: &str) -> String {
    match field {
        "birth_date" => domain::dates::parse_date(value)
            .map(domain::dates::format_date)
            .unwrap_or_else(|_| value.to_string()),
        "snils" => domain::ids::format_snils(value),
        _ => value.to_string(),
    }
}

/// An action's answer as one line of text for staff (field errors included).
fn answer_text(r: &Result<(), AppError>) -> Option<String> {
    match r {
        Ok(()) => None,
        Err(AppError::Fields(f)) => Some(
            f.0.iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(". "),
        ),
        Err(e) => Some(e.to_string()),
    }
}

/// The refusal of a section's last decision (field errors included), in its alert slot.
#[component]
fn DecisionAlert(value: Signal<Option<Result<(), AppError>>>) -> impl IntoView {
    view! {
        <div class="form-alert-slot" aria-live="assertive">
            {move || value.get().as_ref().and_then(answer_text).map(|m| view! { <div class="alert alert-error" role="alert">{m}</div> })}
        </div>
    }
}

/// «Заявки на восстановление доступа»: what the applicant typed and what of it matched an
/// account; approve with the new contact, or reject with a reason.
#[component]
fn AccessApplications(
    decide: ServerAction<StaffAccessDecide>,
    applications: crate::codec::Res<Result<Vec<domain::model::AccessRequestRow>, AppError>>,
) -> impl IntoView {
    let yes_no = |ok: bool| {
        if ok {
            "совпадает"
        } else {
            "не совпадает"
        }
    };
    view! {
        <section aria-labelledby="access-apps-title">
            <h2 id="access-apps-title">"Заявки на восстановление доступа"</h2>
            <DecisionAlert value=Signal::derive(move || decide.value().get())/>
            <Transition fallback=|| ()>
                {move || applications.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Новых заявок нет."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="notices reviews">
                            {list.into_iter().map(|a| {
                                let ids = a.snils.as_deref().map(|s| format!("СНИЛС {}", domain::ids::format_snils(s)))
                                    .or_else(|| a.inn.as_deref().map(|i| format!("ИНН {i}")))
                                    .unwrap_or_default();
                                let matched = match (&a.account_name, &a.account_email, &a.account_phone) {
                                    (Some(name), Some(email), Some(phone)) => format!(
                                        "Учётная запись по {}: {name}, {email}, {}. ФИО {}, полис {}.",
                                        if a.snils.is_some() { "СНИЛС" } else { "ИНН" },
                                        domain::ids::format_phone(phone),
                                        yes_no(a.match_name),
                                        if a.match_policy { "принадлежит страхователю" } else { "не найден у страхователя" },
                                    ),
                                    _ => "Учётной записи с таким СНИЛС или ИНН нет: заявку можно только отклонить.".into(),
                                };
                                let (id1, id2) = (a.id.clone(), a.id.clone());
                                let (nc, rs) = (format!("nc-{}", a.id), format!("rs-{}", a.id));
                                let (nc2, rs2) = (nc.clone(), rs.clone());
                                let totp = format!("totp-{}", a.id);
                                let (totp2, totp_hint) = (totp.clone(), format!("totp-hint-{}", a.id));
                                let totp_hint2 = totp_hint.clone();
                                let approve = format!("Одобрить заявку {}", a.number);
                                let reject = format!("Отклонить заявку {}", a.number);
                                let contact = a.contact.clone();
                                view! {
                                    <li class="notice access-application">
                                        <p class="notice-head"><strong>{format!("{} · {}", a.number, a.full_name)}</strong></p>
                                        <p>{format!("{ids} · полис {} · контакт для связи {}", a.policy_number, a.contact)}</p>
                                        <p class="muted">{matched} " Подана " {domain::dates::format_datetime(a.created_at)}</p>
                                        <ActionForm action=decide attr:class="form reject-form">
                                            <input type="hidden" name="id" value=id1/>
                                            <input type="hidden" name="decision" value="approve"/>
                                            <input type="hidden" name="reason" value=""/>
                                            <div class="field">
                                                <label for=nc.clone()>"Новый контакт для входа: e-mail или телефон"</label>
                                                <input id=nc2.clone() name="new_contact" type="text" value=contact.clone()/>
                                            </div>
                                            <div class="field">
                                                <label for=totp.clone()>"Код из приложения-аутентификатора"</label>
                                                <input id=totp2.clone() name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                                                    maxlength="6" aria-describedby=totp_hint.clone()/>
                                                <p class="hint" id=totp_hint2.clone()>"Нужен, если вы вошли больше 10 минут назад: одобрение передаёт учётную запись заявителю."</p>
                                            </div>
                                            <button type="submit" class="btn btn-primary" aria-label=approve.clone()>"Одобрить"</button>
                                        </ActionForm>
                                        <ActionForm action=decide attr:class="form reject-form">
                                            <input type="hidden" name="id" value=id2/>
                                            <input type="hidden" name="decision" value="reject"/>
                                            <input type="hidden" name="new_contact" value=""/>
                                            <input type="hidden" name="code" value=""/>
                                            <div class="field">
                                                <label for=rs.clone()>"Причина отказа"</label>
                                                <input id=rs2.clone() name="reason" type="text"/>
                                            </div>
                                            <button type="submit" class="btn" aria-label=reject.clone()>"Отклонить"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <crate::components::ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// «Проверка полномочий»: authority over an organisation, an organisation's representative, or a
/// notarised доверенность, with the scans of its basis; confirm it, or refuse with a reason.
#[component]
fn AuthorityReviews(
    decide: ServerAction<StaffAuthorityDecide>,
    authority: crate::codec::Res<Result<Vec<domain::delegation::AuthorityReviewRow>, AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="authority-title">
            <h2 id="authority-title">"Проверка полномочий"</h2>
            <DecisionAlert value=Signal::derive(move || decide.value().get())/>
            <Transition fallback=|| ()>
                {move || authority.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Оснований на проверке нет."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="notices reviews" id="authority-reviews">
                            {list.into_iter().map(|g| {
                                let role = domain::status::AuthorityRole::from_code(&g.role).map(|r| r.label()).unwrap_or("");
                                let scope = if g.rights.all_policies { "все полисы".to_string() } else { g.policies.join(", ") };
                                let period = domain::delegation::period_label(g.valid_from, g.valid_to);
                                let approve = format!("Подтвердить основание: {}", g.grantee);
                                let reject = format!("Отказать: {}", g.grantee);
                                let reason_id = format!("authority-reason-{}", g.id);
                                let (id1, id2) = (g.id.clone(), g.id.clone());
                                view! {
                                    <li class="notice authority-review">
                                        <p class="notice-head"><strong>{format!("{} → {}", g.policyholder, g.grantee)}</strong></p>
                                        <p>{format!("{role} · {} · {scope} · {period}", g.rights.label())}</p>
                                        <p>{format!("Основание: {}{}", g.basis, if g.notarised { " (нотариальная)" } else { "" })}</p>
                                        <p class="muted">{format!("Выдал(а) {} · {} · {}", g.granted_by,
                                            domain::dates::format_datetime(g.created_at),
                                            if g.accepted { "получатель уже принял доступ" } else { "получатель ещё не принял доступ" })}</p>
                                        {if g.files.is_empty() {
                                            view! { <p class="muted">"Скан не приложен."</p> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="files-list">
                                                    {g.files.iter().map(|f| view! {
                                                        <li><a rel="external" download href=f.href()>{format!("Скан: {}", f.name)}</a></li>
                                                    }).collect_view()}
                                                </ul>
                                            }.into_any()
                                        }}
                                        <ActionForm action=decide attr:class="inline-form">
                                            <input type="hidden" name="id" value=id1/>
                                            <input type="hidden" name="decision" value="approve"/>
                                            <input type="hidden" name="reason" value=""/>
                                            <button type="submit" class="btn btn-primary" aria-label=approve>"Подтвердить"</button>
                                        </ActionForm>
                                        <ActionForm action=decide attr:class="form reject-form">
                                            <input type="hidden" name="id" value=id2/>
                                            <input type="hidden" name="decision" value="reject"/>
                                            <label for=reason_id.clone()>"Причина отказа"</label>
                                            <input id=reason_id name="reason" type="text" maxlength="500"/>
                                            <button type="submit" class="btn" aria-label=reject>"Отказать"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <crate::components::ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// «Проверка данных профиля»: changes that wait for a person's look, with their scans.
#[component]
fn Reviews(
    decide: ServerAction<StaffDecide>,
    reviews: crate::codec::Res<Result<Vec<domain::model::ReviewRow>, AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="reviews-title">
            <h2 id="reviews-title">"Проверка данных профиля"</h2>
            <DecisionAlert value=Signal::derive(move || decide.value().get())/>
            <Transition fallback=|| ()>
                {move || reviews.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Заявок на проверку нет."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="notices reviews">
                            {list.into_iter().map(|r| {
                                let phrase = field_phrase(&r.field);
                                let approve = format!("Одобрить: {}, {phrase}", r.full_name);
                                let reject = format!("Отклонить: {}, {phrase}", r.full_name);
                                let (id1, id2, id3) = (r.id.clone(), r.id.clone(), r.id.clone());
                                let scan = (!r.scan_mime.is_empty()).then(|| format!("/staff/reviews/{}/scan", r.id));
                                let was = r.current_value.as_deref().map(|v| shown(&r.field, v)).unwrap_or_else(|| "не указано".into());
                                view! {
                                    <li class="notice">
                                        <p class="notice-head"><strong>{format!("{}: {phrase} {}", r.full_name, shown(&r.field, &r.new_value))}</strong></p>
                                        <p class="muted">{format!("Сейчас в профиле: {was} · ")} {domain::dates::format_datetime(r.created_at)}
                                            {scan.map(|href| view! { " · " <a href=href download>"Скачать скан"</a> })}</p>
                                        <ActionForm action=decide attr:class="inline-form">
                                            <input type="hidden" name="id" value=id1/>
                                            <input type="hidden" name="decision" value="approve"/>
                                            <input type="hidden" name="reason" value=""/>
                                            <button type="submit" class="btn btn-primary" aria-label=approve.clone()>"Одобрить"</button>
                                        </ActionForm>
                                        <ActionForm action=decide attr:class="form reject-form">
                                            <input type="hidden" name="id" value=id2/>
                                            <input type="hidden" name="decision" value="reject"/>
                                            <label for=format!("reason-{id3}")>"Причина отказа"</label>
                                            <input id=format!("reason-{id3}") name="reason" type="text"/>
                                            <button type="submit" class="btn" aria-label=reject.clone()>"Отклонить"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <crate::components::ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
