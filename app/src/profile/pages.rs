//! The profile page.

use super::{ChangeContact, ConfirmIdentity, SendIdentityCode, get_profile, upload_passport};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors};
use domain::dates::format_datetime;
use leptos::prelude::*;
use leptos_meta::Title;

fn field_label(code: &str) -> &'static str {
    match code {
        "email" => "Электронная почта",
        "phone" => "Мобильный телефон",
        "passport" => "Паспорт",
        _ => "Поле",
    }
}

fn status_label(code: &str) -> &'static str {
    match code {
        "applied" => "Применено",
        "refused" => "Отклонено",
        "review" => "На проверке",
        _ => "",
    }
}

#[component]
pub fn ProfilePage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let change = ServerAction::<ChangeContact>::new();
    let uploads = RwSignal::new(0u32);
    let data = Resource::new(
        move || (epoch.get(), change.version().get(), uploads.get()),
        |_| get_profile(),
    );
    // The edit in progress: which field, and what was typed (kept through the second factor).
    let editing = RwSignal::new(None::<&'static str>);
    let value = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let need_factor = RwSignal::new(false);
    let saved = RwSignal::new(None::<String>);
    let submit = move || {
        if let Some(f) = editing.get_untracked() {
            change.dispatch(ChangeContact {
                field: f.to_string(),
                value: value.get_untracked(),
                password: password.get_untracked(),
            });
        }
    };
    Effect::new(move |_| {
        if let Some(r) = change.value().get() {
            match &r {
                Ok(()) => {
                    if let Some(f) = editing.get_untracked() {
                        saved.set(Some(format!("{}: изменения сохранены", field_label(f))));
                    }
                    editing.set(None);
                    need_factor.set(false);
                    value.set(String::new());
                    password.set(String::new());
                    errors.show(&r);
                }
                Err(e) if e.field("second_factor").is_some() => need_factor.set(true),
                Err(_) => errors.show(&r),
            }
        }
    });
    let start = move |f: &'static str| {
        editing.set(Some(f));
        need_factor.set(false);
        saved.set(None);
        value.set(String::new());
        password.set(String::new());
        errors.show::<()>(&Ok(()));
    };
    view! {
        <Title text="Профиль — Кабинет страхователя"/>
        <h1>"Профиль"</h1>
        <p class="form-ok" role="status">{move || saved.get()}</p>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) => {
                    let p = v.profile.clone();
                    let totp = p.totp;
                    let facts = view! {
                        <dl class="facts profile">
                            <div><dt>"Фамилия, имя, отчество"</dt><dd>{p.full_name.clone()}</dd></div>
                            <div><dt>"СНИЛС"</dt><dd>{p.snils.clone().map(|s| domain::ids::format_snils(&s)).unwrap_or_else(|| "не указан".into())}</dd></div>
                            <div><dt>"ИНН"</dt><dd>{p.inn.clone().unwrap_or_else(|| "не указан".into())}</dd></div>
                            <div>
                                <dt>"Электронная почта"</dt>
                                <dd>{p.email.clone()} " "
                                    <button type="button" class="btn-link" aria-label="Редактировать электронную почту" on:click=move |_| start("email")>"Редактировать"</button></dd>
                            </div>
                            <div>
                                <dt>"Паспорт"</dt>
                                <dd>{p.passport.clone().unwrap_or_else(|| "не указан".into())} " "
                                    {p.passport_pending.then(|| view! { <span class="badge badge-warn">"На проверке"</span> " " })}
                                    <button type="button" class="btn-link" aria-label="Изменить паспорт" on:click=move |_| start("passport")>"Изменить"</button></dd>
                            </div>
                            <div>
                                <dt>"Мобильный телефон"</dt>
                                <dd>{domain::ids::format_phone(&p.phone)} " "
                                    <button type="button" class="btn-link" aria-label="Редактировать мобильный телефон" on:click=move |_| start("phone")>"Редактировать"</button></dd>
                            </div>
                        </dl>
                    }.into_any();
                    view! {
                        {facts}
                        {move || (editing.get() == Some("passport")).then(|| view! {
                            <PassportForm
                                totp
                                on_close=Callback::new(move |_| editing.set(None))
                                on_sent=Callback::new(move |msg: String| {
                                    saved.set(Some(msg));
                                    editing.set(None);
                                    uploads.update(|n| *n += 1);
                                })
                            />
                        })}
                        {move || editing.get().filter(|f| *f != "passport").map(|f| view! {
                            <section class="auth-card edit-card" aria-labelledby="edit-title">
                                <h2 id="edit-title">{format!("Изменить: {}", field_label(f).to_lowercase())}</h2>
                                <form class="form" novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                                    <FormAlert errors/>
                                    <Field label="Новое значение" name="value" errors value
                                        kind={if f == "email" { "email" } else { "tel" }}
                                        hint={if f == "email" { "Например, ivanov@example.ru" } else { "Например, +7 912 345-67-89" }}/>
                                    <Field label="Пароль" name="password" kind="password" errors value=password autocomplete="current-password"/>
                                    <div class="filter-actions">
                                        <button type="submit" class="btn btn-primary" disabled=move || change.pending().get()>"Сохранить"</button>
                                        <button type="button" class="btn" on:click=move |_| editing.set(None)>"Отмена"</button>
                                    </div>
                                </form>
                                <Show when=move || need_factor.get()>
                                    <SecondFactorBox totp on_done=Callback::new(move |_| submit())/>
                                </Show>
                            </section>
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
                                                    <td data-label="Поле">{field_label(&h.field)}</td>
                                                    <td data-label="Было">{h.old_value.clone()}</td>
                                                    <td data-label="Стало">{h.new_value.clone()}</td>
                                                    <td data-label="Кем">{h.changed_by.clone()}</td>
                                                    <td data-label="Статус">{format!("{}{}", status_label(&h.status), if h.reason.is_empty() { String::new() } else { format!(": {}", h.reason) })}</td>
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

/// «Подтвердите, что это вы»: a code from the TOTP app, or one sent to the e-mail. On success
/// the edit goes on with what was typed.
#[component]
fn SecondFactorBox(totp: bool, on_done: Callback<()>) -> impl IntoView {
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
    view! {
        <div class="alert alert-info second-factor" role="region" aria-label="Подтверждение личности">
            <p><strong>"Подтвердите, что это вы."</strong>
                {if totp { " Введите код из приложения-аутентификатора." } else { " Мы пришлём код на вашу электронную почту." }}</p>
            {(!totp).then(|| view! {
                <button type="button" class="btn" on:click=move |_| { send.dispatch(SendIdentityCode {}); }>"Прислать код на e-mail"</button>
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
                <Field label={if totp { "Код из приложения" } else { "Код из письма" }} name="code" errors value=code inputmode="numeric" autocomplete="one-time-code"/>
                <button type="submit" class="btn btn-primary">"Подтвердить"</button>
            </form>
        </div>
    }
}

/// «Изменить паспорт»: series and number with a scan; sent as multipart through the typed server
/// function. A missing second factor is asked for in place and the same form is sent again.
#[component]
fn PassportForm(totp: bool, on_close: Callback<()>, on_sent: Callback<String>) -> impl IntoView {
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
                <SecondFactorBox totp on_done=Callback::new(move |_| send())/>
            </Show>
        </section>
    }
}
