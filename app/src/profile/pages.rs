//! The profile page.

use super::{
    ChangeContact, ConfirmIdentity, SendIdentityCode, SubmitIdentity, get_profile, upload_passport,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors};
use domain::dates::format_datetime;
use domain::model::Profile;
use domain::status::ProfileField;
use leptos::prelude::*;
use leptos_meta::Title;

/// How a field is edited: what the button and the form say, the input's type and hint.
struct EditSpec {
    /// «Редактировать …» for screen readers (the button reads «Редактировать»).
    button: &'static str,
    title: &'static str,
    kind: &'static str,
    inputmode: Option<&'static str>,
    hint: &'static str,
}

fn spec(f: ProfileField) -> EditSpec {
    let s = |button, title, kind, inputmode, hint| EditSpec {
        button,
        title,
        kind,
        inputmode,
        hint,
    };
    match f {
        ProfileField::FullName => s(
            "Редактировать ФИО",
            "Изменить ФИО",
            "text",
            None,
            "Как в паспорте: фамилия, имя и отчество. Изменение вступит в силу после проверки",
        ),
        ProfileField::BirthDate => s(
            "Редактировать дату рождения",
            "Изменить дату рождения",
            "date",
            None,
            "Как в паспорте. Изменение вступит в силу после проверки",
        ),
        ProfileField::Inn => s(
            "Редактировать ИНН",
            "Изменить ИНН",
            "text",
            Some("numeric"),
            "ИНН физического лица — 12 цифр. Изменение вступит в силу после проверки",
        ),
        ProfileField::Snils => s(
            "Редактировать СНИЛС",
            "Изменить СНИЛС",
            "text",
            Some("numeric"),
            "11 цифр, например 112-233-445 95. Изменение вступит в силу после проверки",
        ),
        ProfileField::Email => s(
            "Редактировать электронную почту",
            "Изменить электронную почту",
            "email",
            None,
            "Например, ivanov@example.ru",
        ),
        ProfileField::Phone => s(
            "Редактировать мобильный телефон",
            "Изменить мобильный телефон",
            "tel",
            None,
            "Например, +7 912 345-67-89. На него приходят SMS",
        ),
        ProfileField::ExtraPhone => s(
            "Редактировать дополнительный телефон",
            "Изменить дополнительный телефон",
            "tel",
            None,
            "Например, +7 495 123-45-67. Оставьте пустым, чтобы удалить",
        ),
        ProfileField::Passport => s(
            "Изменить паспорт",
            "Изменить паспорт",
            "text",
            Some("numeric"),
            "",
        ),
    }
}

/// Which kind of second factor the page asks for: the account's own, else a code to the e-mail.
fn factor_kind(p: &Profile) -> &'static str {
    p.factor
        .as_deref()
        .map_or("email", |f| if f == "totp" { "totp" } else { "sms" })
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let change = ServerAction::<ChangeContact>::new();
    let identity = ServerAction::<SubmitIdentity>::new();
    let uploads = RwSignal::new(0u32);
    // Bumped only when a change went through: a refused attempt (a bad value, the factor to pass)
    // must not reload the page's data, or the form would be redrawn under the user's typing.
    let saved_changes = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || (epoch.get(), saved_changes.get(), uploads.get()),
        |_| get_profile(),
    );
    // The edit in progress: which field, and what was typed (kept through the second factor).
    let editing = RwSignal::new(None::<ProfileField>);
    let value = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let need_factor = RwSignal::new(false);
    let saved = RwSignal::new(None::<String>);
    let submit = move || {
        let Some(f) = editing.get_untracked() else {
            return;
        };
        if f.is_identity() {
            identity.dispatch(SubmitIdentity {
                field: f.code().to_string(),
                value: value.get_untracked(),
            });
        } else {
            change.dispatch(ChangeContact {
                field: f.code().to_string(),
                value: value.get_untracked(),
                password: password.get_untracked(),
            });
        }
    };
    // One answer of either action: done (and how), the factor to pass, or errors to show.
    let answered = move |r: Result<String, crate::error::AppError>| match &r {
        Ok(status) => {
            saved_changes.update(|n| *n += 1);
            if let Some(f) = editing.get_untracked() {
                saved.set(Some(if status == "review" {
                    format!(
                        "{}: изменение отправлено на проверку. Оно вступит в силу после неё.",
                        f.label()
                    )
                } else {
                    format!("{}: изменения сохранены", f.label())
                }));
            }
            editing.set(None);
            need_factor.set(false);
            value.set(String::new());
            password.set(String::new());
            errors.show(&r);
        }
        Err(e) if e.field("second_factor").is_some() => need_factor.set(true),
        Err(_) => errors.show(&r),
    };
    Effect::new(move |_| {
        if let Some(r) = change.value().get() {
            answered(r.map(|()| "applied".to_string()));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = identity.value().get() {
            answered(r);
        }
    });
    let start = move |f: ProfileField| {
        editing.set(Some(f));
        need_factor.set(false);
        saved.set(None);
        value.set(String::new());
        password.set(String::new());
        errors.show::<()>(&Ok(()));
    };
    // The same rules as the server's, as the user leaves the field.
    let check_value = Callback::new(move |_| {
        if let Some(f) = editing.get_untracked()
            && !(value.get_untracked().is_empty() && f != ProfileField::ExtraPhone)
        {
            let today = chrono::Utc::now()
                .with_timezone(&domain::dates::moscow())
                .date_naive();
            errors.set_field(
                "value",
                domain::forms::identity_value(f, &value.get_untracked(), today).err(),
            );
        }
    });
    let pending = move |p: &Profile, f: ProfileField| {
        p.is_pending(f)
            .then(|| view! { <span class="badge badge-warn">"На проверке"</span> " " })
    };
    let edit_button = move |f: ProfileField| {
        view! {
            <button type="button" class="btn-link" aria-label=spec(f).button on:click=move |_| start(f)>
                {if f == ProfileField::Passport { "Изменить" } else { "Редактировать" }}
            </button>
        }
    };
    view! {
        <Title text="Профиль — Кабинет страхователя"/>
        <h1>"Профиль"</h1>
        <p class="form-ok" role="status">{move || saved.get()}</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) => {
                    let p = v.profile.clone();
                    let factor = factor_kind(&p);
                    let not_set = || "не указан".to_string();
                    let facts = view! {
                        <dl class="facts profile">
                            <div><dt>"Фамилия, имя, отчество"</dt>
                                <dd>{p.full_name.clone()} " " {pending(&p, ProfileField::FullName)} {edit_button(ProfileField::FullName)}</dd></div>
                            <div><dt>"Дата рождения"</dt>
                                <dd>{p.birth_date.map(domain::dates::format_date).unwrap_or_else(|| "не указана".into())} " "
                                    {pending(&p, ProfileField::BirthDate)} {edit_button(ProfileField::BirthDate)}</dd></div>
                            <div><dt>"СНИЛС"</dt>
                                <dd>{p.snils.clone().map(|s| domain::ids::format_snils(&s)).unwrap_or_else(not_set)} " "
                                    {pending(&p, ProfileField::Snils)} {edit_button(ProfileField::Snils)}</dd></div>
                            <div><dt>"ИНН"</dt>
                                <dd>{p.inn.clone().unwrap_or_else(not_set)} " " {pending(&p, ProfileField::Inn)} {edit_button(ProfileField::Inn)}</dd></div>
                            <div><dt>"Паспорт"</dt>
                                <dd>{p.passport.clone().unwrap_or_else(not_set)} " " {pending(&p, ProfileField::Passport)} {edit_button(ProfileField::Passport)}</dd></div>
                            <div><dt>"Электронная почта"</dt>
                                <dd>{p.email.clone()} " " {edit_button(ProfileField::Email)}</dd></div>
                            <div><dt>"Мобильный телефон"</dt>
                                <dd>{domain::ids::format_phone(&p.phone)} " " {edit_button(ProfileField::Phone)}</dd></div>
                            <div><dt>"Дополнительный телефон"</dt>
                                <dd>{p.extra_phone.as_deref().map(domain::ids::format_phone).unwrap_or_else(not_set)} " "
                                    {edit_button(ProfileField::ExtraPhone)}</dd></div>
                        </dl>
                    }.into_any();
                    view! {
                        {facts}
                        {move || (editing.get() == Some(ProfileField::Passport)).then(|| view! {
                            <PassportForm
                                factor
                                on_close=Callback::new(move |_| editing.set(None))
                                on_sent=Callback::new(move |msg: String| {
                                    saved.set(Some(msg));
                                    editing.set(None);
                                    uploads.update(|n| *n += 1);
                                })
                            />
                        })}
                        {move || editing.get().filter(|f| *f != ProfileField::Passport).map(|f| {
                            let sp = spec(f);
                            let contact = !f.is_identity();
                            let busy = move || change.pending().get() || identity.pending().get();
                            view! {
                                <section class="auth-card edit-card" aria-labelledby="edit-title">
                                    <h2 id="edit-title">{sp.title}</h2>
                                    <form class="form" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                                        <FormAlert errors/>
                                        <Field label="Новое значение" name="value" errors value kind=sp.kind
                                            inputmode=sp.inputmode.unwrap_or("text") hint=sp.hint on_blur=check_value/>
                                        {contact.then(|| view! {
                                            <Field label="Пароль" name="password" kind="password" errors value=password autocomplete="current-password"/>
                                        })}
                                        <div class="filter-actions">
                                            <button type="submit" class="btn btn-primary" disabled=busy>
                                                {if contact { "Сохранить" } else { "Отправить на проверку" }}
                                            </button>
                                            <button type="button" class="btn" on:click=move |_| editing.set(None)>"Отмена"</button>
                                        </div>
                                    </form>
                                    <Show when=move || need_factor.get()>
                                        <SecondFactorBox factor on_done=Callback::new(move |_| submit())/>
                                    </Show>
                                </section>
                            }
                        })}
                        <h2>"Мои данные"</h2>
                        <p>"Всё, что кабинет хранит о вас (152-ФЗ, ст. 14): "
                            <a rel="external" download href="/profile/my-data.pdf">"Выгрузить мои данные (PDF)"</a>
                            " · "
                            <a rel="external" download href="/profile/my-data.json">"JSON"</a></p>
                        <h2>"История изменений"</h2>
                        {if v.history.is_empty() {
                            view! { <p class="muted">"Изменений пока не было."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-wrap">
                                    <table class="table table-cards">
                                        <caption class="sr-only">"История изменений профиля"</caption>
                                        <thead><tr><th scope="col">"Когда"</th><th scope="col">"Поле"</th><th scope="col">"Было"</th><th scope="col">"Стало"</th><th scope="col">"Кем"</th><th scope="col">"Статус"</th></tr></thead>
                                        <tbody>
                                            {v.history.into_iter().map(|h| view! {
                                                <tr>
                                                    <td data-label="Когда">{format_datetime(h.created_at)}</td>
                                                    <td data-label="Поле">{h.field_label()}</td>
                                                    <td data-label="Было">{h.old_value.clone()}</td>
                                                    <td data-label="Стало">{h.new_value.clone()}</td>
                                                    <td data-label="Кем">{h.changed_by.clone()}</td>
                                                    <td data-label="Статус">{h.status_text()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any()
                }
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

/// «Подтвердите, что это вы»: a code from the TOTP app, or one sent by SMS (when SMS codes are
/// the account's second factor) or to the e-mail. On success the edit goes on with what was typed.
#[component]
fn SecondFactorBox(factor: &'static str, on_done: Callback<()>) -> impl IntoView {
    let send = ServerAction::<SendIdentityCode>::new();
    let confirm = ServerAction::<ConfirmIdentity>::new();
    let errors = FormErrors::new();
    let code = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(r) = confirm.value().get() {
            errors.show(&r);
            if r.is_ok() {
                on_done.run(());
            }
        }
    });
    let (intro, button, label) = match factor {
        "totp" => (
            " Введите код из приложения-аутентификатора.",
            "",
            "Код из приложения",
        ),
        "sms" => (
            " Мы пришлём код в SMS на ваш телефон.",
            "Прислать код в SMS",
            "Код из SMS",
        ),
        _ => (
            " Мы пришлём код на вашу электронную почту.",
            "Прислать код на e-mail",
            "Код из письма",
        ),
    };
    view! {
        <div class="alert alert-info second-factor" role="region" aria-label="Подтверждение личности">
            <p><strong>"Подтвердите, что это вы."</strong>{intro}</p>
            {(factor != "totp").then(|| view! {
                <button type="button" class="btn" on:click=move |_| { send.dispatch(SendIdentityCode {}); }>{button}</button>
                <p role="status">{move || match send.value().get() {
                    Some(Ok(to)) => format!("Код отправлен на {to}"),
                    Some(Err(e)) => e.to_string(),
                    None => String::new(),
                }}</p>
            })}
            <form class="form" novalidate on:submit=move |ev| {
                ev.prevent_default();
                confirm.dispatch(ConfirmIdentity { code: code.get_untracked() });
            }>
                <FormAlert errors/>
                <Field label=label name="code" errors value=code inputmode="numeric" autocomplete="one-time-code"/>
                <button type="submit" class="btn btn-primary">"Подтвердить"</button>
            </form>
        </div>
    }
}

/// «Изменить паспорт»: series and number with a scan; sent as multipart through the typed server
/// function. A missing second factor is asked for in place and the same form is sent again.
#[component]
fn PassportForm(
    factor: &'static str,
    on_close: Callback<()>,
    on_sent: Callback<String>,
) -> impl IntoView {
    let errors = FormErrors::new();
    let number = RwSignal::new(String::new());
    let need_factor = RwSignal::new(false);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let upload = Action::new_local(|data: &web_sys::FormData| upload_passport(data.clone().into()));
    Effect::new(move |_| {
        if let Some(r) = upload.value().get() {
            match &r {
                Ok(status) => {
                    errors.show(&r);
                    need_factor.set(false);
                    on_sent.run(if status == "review" {
                        "Паспорт отправлен на проверку. Изменение вступит в силу после неё.".into()
                    } else {
                        "Паспорт обновлён.".into()
                    });
                }
                Err(e) if e.field("second_factor").is_some() => need_factor.set(true),
                Err(_) => errors.show(&r),
            }
        }
    });
    let send = move || {
        if let Some(form) = form_ref.get_untracked()
            && let Ok(data) = web_sys::FormData::new_with_form(&form)
        {
            upload.dispatch_local(data);
        }
    };
    view! {
        <section class="auth-card edit-card" aria-labelledby="passport-title">
            <h2 id="passport-title">"Изменить паспорт"</h2>
            <p class="hint">"Новые данные вступят в силу после проверки. Приложите скан или фото разворота с фотографией: PDF или JPEG, не больше 5 МБ."</p>
            <form class="form" novalidate node_ref=form_ref on:submit=move |ev| { ev.prevent_default(); send(); }>
                <FormAlert errors/>
                <Field label="Серия и номер" name="passport" errors value=number inputmode="numeric" hint="10 цифр, например 4510 123456"/>
                <div class="field" class:field-invalid=move || errors.field("scan").is_some()>
                    <label for="f-scan">"Скан паспорта"</label>
                    <input id="f-scan" type="file" name="scan" accept="application/pdf,image/jpeg"
                        aria-invalid=move || errors.field("scan").map(|_| "true")
                        aria-describedby="f-scan-error"
                        on:change=move |_| errors.set_field("scan", None)/>
                    <p class="field-error" id="f-scan-error">{move || errors.field("scan")}</p>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || upload.pending().get()>
                        {move || if upload.pending().get() { "Отправляем…" } else { "Отправить на проверку" }}
                    </button>
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>"Закрыть"</button>
                </div>
            </form>
            <Show when=move || need_factor.get()>
                <SecondFactorBox factor on_done=Callback::new(move |_| send())/>
            </Show>
        </section>
    }
}
