//! The pages of «Восстановление доступа без подтверждения».

use super::{AccessApply, AccessSetPassword, access_link_info, access_status};
use crate::components::{ErrorBox, Field, FormAlert, FormErrors, NewPasswordFields};
use crate::error::AppError;
use domain::dates::format_datetime;
use domain::forms::AccessRequestForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shows what a submission answered, including an error a form posted without the WASM came
/// back with.
fn show_answers<I>(action: ServerAction<I>, errors: FormErrors)
where
    I: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    if let Some(Err(e)) = action.value().get_untracked() {
        errors.show::<()>(&Err(e));
    }
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            errors.show(&result);
        }
    });
}

/// «Восстановление доступа»: the application.
#[component]
pub fn AccessRequestPage() -> impl IntoView {
    let action = ServerAction::<AccessApply>::new();
    let errors = FormErrors::new();
    show_answers(action, errors);
    let full_name = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let policy_number = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let form = move || AccessRequestForm {
        full_name: full_name.get_untracked(),
        id_number: id_number.get_untracked(),
        policy_number: policy_number.get_untracked(),
        contact: contact.get_untracked(),
    };
    // The server's rules, as the user leaves each field (once something is typed).
    let check = move |field: &'static str, value: RwSignal<String>| {
        Callback::new(move |_| {
            if !value.get_untracked().is_empty() {
                errors.set_field(field, form().check_field(field).err());
            }
        })
    };
    view! {
        <Title text="Восстановление доступа — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="access-title">
            <h1 id="access-title">"Восстановление доступа"</h1>
            <p class="lead">
                "Если нет доступа ни к почте, ни к телефону из учётной записи, подайте заявку. Сотрудник страховщика сверит данные с договором, укажет в учётной записи новый контакт и пришлёт ссылку для нового пароля."
            </p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert errors/>
                <Field label="Фамилия, имя, отчество" name="full_name" errors value=full_name autocomplete="name" on_blur=check("full_name", full_name)/>
                <Field label="СНИЛС или ИНН" name="id_number" errors value=id_number inputmode="numeric"
                    hint="СНИЛС — 11 цифр, ИНН физического лица — 12 цифр" on_blur=check("id_number", id_number)/>
                <Field label="Номер последнего полиса" name="policy_number" errors value=policy_number
                    hint="Как в договоре, например IMU-2024-0007919" on_blur=check("policy_number", policy_number)/>
                <Field label="Контакт для связи: e-mail или телефон" name="contact" errors value=contact
                    hint="Куда сообщить о решении. Не тот контакт, к которому нет доступа." on_blur=check("contact", contact)/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Отправляем…" } else { "Подать заявку" }}
                </button>
            </ActionForm>
            <p class="auth-alt"><a href="/recover/manual/status">"Уже подали заявку? Узнать статус"</a></p>
            <p class="auth-alt"><a href="/recover">"Есть доступ к почте или телефону? Восстановить пароль по коду"</a></p>
        </section>
    }
}

/// «Статус заявки»: a plain GET form (works without the WASM), and the answer under it.
#[component]
pub fn AccessStatusPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("number").unwrap_or_default(),
                q.get("contact").unwrap_or_default(),
                q.get("new").is_some(),
            )
        })
    });
    let status = crate::codec::resource(
        move || {
            let (n, c, _) = asked.get();
            (n, c)
        },
        |(number, contact)| async move {
            if number.trim().is_empty() && contact.trim().is_empty() {
                None
            } else {
                Some(access_status(number, contact).await)
            }
        },
    );
    view! {
        <Title text="Статус заявки на восстановление доступа — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="status-title">
            <h1 id="status-title">"Статус заявки"</h1>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
                {move || status.get().map(|answer| {
                    let (number, contact, new) = asked.get_untracked();
                    let error = |field: &str| match &answer {
                        Some(Err(e)) => e.field(field),
                        _ => None,
                    };
                    let number_error = error("number");
                    let contact_error = error("contact");
                    let other_error = match &answer {
                        Some(Err(e)) if !matches!(e, AppError::Fields(_)) => Some(e.clone()),
                        _ => None,
                    };
                    view! {
                        {(new && matches!(answer, Some(Ok(_)))).then(|| view! {
                            <div class="alert alert-info" role="status">
                                <p><strong>"Заявка принята."</strong>
                                " Сохраните её номер: по нему и контакту для связи можно узнать статус. Решение придёт на указанный контакт."</p>
                            </div>
                        })}
                        {match answer.clone() {
                            Some(Ok(v)) => view! { <StatusCard v/> }.into_any(),
                            _ => ().into_any(),
                        }}
                        {other_error.map(|e| view! { <ErrorBox error=e/> })}
                        <form method="get" action="/recover/manual/status" class="form" novalidate>
                            <div class="field" class:field-invalid=number_error.is_some()>
                                <label for="f-number">"Номер заявки"</label>
                                <p class="hint" id="f-number-hint">"Из сообщения о приёме заявки, например ВД-2026-000123"</p>
                                <input id="f-number" name="number" type="text" value=number
                                    aria-invalid=number_error.is_some().then_some("true")
                                    aria-describedby="f-number-hint f-number-error"/>
                                <p class="field-error" id="f-number-error" role=number_error.is_some().then_some("alert")>{number_error.clone()}</p>
                            </div>
                            <div class="field" class:field-invalid=contact_error.is_some()>
                                <label for="f-contact">"Контакт для связи из заявки"</label>
                                <input id="f-contact" name="contact" type="text" value=contact autocomplete="email"
                                    aria-invalid=contact_error.is_some().then_some("true")
                                    aria-describedby="f-contact-error"/>
                                <p class="field-error" id="f-contact-error">{contact_error.clone()}</p>
                            </div>
                            <button type="submit" class="btn btn-primary">"Узнать статус"</button>
                        </form>
                    }
                })}
            </Suspense>
            <p class="auth-alt"><a href="/recover/manual">"Подать новую заявку"</a></p>
            <p class="auth-alt"><a href="/login">"Войти"</a></p>
        </section>
    }
}

#[component]
fn StatusCard(v: domain::model::AccessStatusView) -> impl IntoView {
    let done = v.status == "done";
    let approved = v.status == "approved";
    view! {
        <dl class="facts access-status" aria-label="Заявка">
            <div><dt>"Номер заявки"</dt><dd>{v.number.clone()}</dd></div>
            <div><dt>"Статус"</dt><dd><strong class="access-status-label">{v.status_label()}</strong></dd></div>
            <div><dt>"Подана"</dt><dd>{format_datetime(v.created_at)}</dd></div>
            {v.decided_at.map(|t| view! { <div><dt>"Решение принято"</dt><dd>{format_datetime(t)}</dd></div> })}
            {(!v.reason.is_empty()).then(|| view! { <div><dt>"Причина отказа"</dt><dd>{v.reason.clone()}</dd></div> })}
        </dl>
        {approved.then(|| view! { <p>"Ссылка для нового пароля отправлена на контакт для связи. Она действует 24 часа."</p> })}
        {done.then(|| view! { <p>"Новый пароль задан. " <a href="/login">"Войти"</a></p> })}
    }
}

/// The one-time link: the new password twice.
#[component]
pub fn AccessLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = Memo::new(move |_| query.with(|q| q.get("token").unwrap_or_default()));
    let info = crate::codec::resource(move || token.get(), access_link_info);
    let action = ServerAction::<AccessSetPassword>::new();
    let errors = FormErrors::new();
    show_answers(action, errors);
    let password = RwSignal::new(String::new());
    let password2 = RwSignal::new(String::new());
    view! {
        <Title text="Новый пароль — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="link-title">
            <h1 id="link-title">"Задать новый пароль"</h1>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Проверяем ссылку…"</p> }>
                {move || info.get().map(|r| match r {
                    Ok(i) => view! {
                        <p class="lead">
                            {format!("Заявка № {}. Ваш логин теперь — {}. Придумайте новый пароль: после этого все сеансы завершатся.", i.number, i.login)}
                        </p>
                        <ActionForm action=action attr:class="form" attr:novalidate=true>
                            <FormAlert errors/>
                            <input type="hidden" name="token" value=token.get_untracked()/>
                            <NewPasswordFields errors password password2/>
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Сохранить пароль"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(AppError::Refused(m)) => view! {
                        <div class="alert alert-error" role="alert"><p>{m}</p></div>
                        <p class="auth-alt"><a href="/recover/manual">"Подать заявку ещё раз"</a></p>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
