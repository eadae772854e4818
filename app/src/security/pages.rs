use super::password::PasswordChange;
use super::{
    ChangePassword, EndOtherSessions, EndSession, SmsBegin, SmsConfirm, SmsDisable, TotpBegin,
    TotpConfirm, TotpDisable, list_sessions, security_journal, two_factor_state,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors, QueryProblems};
use crate::profile::SendIdentityCode;
use domain::dates::format_datetime;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let change = ServerAction::<ChangePassword>::new();
    let errors = FormErrors::new();
    Effect::new(move |_| {
        if let Some(r) = end_one.value().get() {
            errors.show(&r);
        }
    });
    let sessions = crate::codec::resource(
        move || {
            (
                epoch.get(),
                end_one.version().get(),
                end_others.version().get(),
                change.version().get(),
            )
        },
        |_| list_sessions(),
    );
    let query = use_query_map();
    let parsed =
        Memo::new(move |_| query.with(|q| domain::query::opt_page(q.get("page").as_deref())));
    let page = Memo::new(move |_| parsed.get().unwrap_or(1));
    let problems =
        Signal::derive(move || domain::FieldErrors(parsed.get().err().into_iter().collect()));
    let journal = crate::codec::resource(
        move || {
            (
                epoch.get(),
                page.get(),
                end_one.version().get(),
                end_others.version().get(),
                change.version().get(),
            )
        },
        |(_, p, _, _, _)| security_journal(p),
    );
    view! {
        <Title text="Безопасность — Кабинет страхователя"/>
        <h1>"Безопасность"</h1>
        <QueryProblems problems/>
        <TwoFactor/>
        <PasswordChange action=change/>
        <h2 id="sessions-title">"Активные сеансы"</h2>
        <FormAlert errors/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || sessions.get().map(|r| match r {
                Ok(list) => {
                    let others = list.iter().filter(|s| !s.current).count();
                    view! {
                        <ul class="sessions" aria-labelledby="sessions-title">
                            {list.into_iter().map(|s| {
                                let id = s.id.clone();
                                view! {
                                    <li class="session" class:current=s.current>
                                        <div>
                                            <strong>{s.device.clone()}</strong>
                                            {s.current.then(|| view! { <span class="badge badge-ok">"Этот сеанс"</span> })}
                                            <p class="muted">{format!("IP {} · вход {} · активность {}", s.ip, format_datetime(s.created_at), format_datetime(s.last_seen_at))}</p>
                                        </div>
                                        {(!s.current).then(|| view! {
                                            <button type="button" class="btn" disabled=move || end_one.pending().get()
                                                on:click=move |_| { end_one.dispatch(EndSession { id: id.clone() }); }>
                                                "Завершить"
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(others > 0).then(|| view! {
                            <button type="button" class="btn" disabled=move || end_others.pending().get()
                                on:click=move |_| { end_others.dispatch(EndOtherSessions {}); }>
                                "Завершить все другие сеансы"
                            </button>
                        })}
                    }.into_any()
                }
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
        <h2>"Журнал безопасности"</h2>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || journal.get().map(|r| match r {
                Ok(j) => view! {
                    <div class="table-wrap">
                        <table class="table table-cards">
                            <caption class="sr-only">"Журнал безопасности, новые записи сверху"</caption>
                            <thead><tr>
                                <th scope="col">"Когда"</th>
                                <th scope="col">"Событие"</th>
                                <th scope="col">"IP-адрес"</th>
                            </tr></thead>
                            <tbody>
                                {j.items.iter().map(|i| view! {
                                    <tr>
                                        <td data-label="Когда">{format_datetime(i.at)}</td>
                                        <td data-label="Событие">{i.action.clone()}</td>
                                        <td data-label="IP-адрес">{i.ip.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label="Страницы журнала">
                        {(j.page > 1).then(|| view! { <a class="btn" rel="prev" href=format!("/security?page={}", j.page - 1)>"‹ Новее"</a> })}
                        <span class="pager-page">{format!("Страница {}", j.page)}</span>
                        {j.has_next.then(|| view! { <a class="btn" rel="next" href=format!("/security?page={}", j.page + 1)>"Старее ›"</a> })}
                    </nav>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

/// «Двухфакторная защита»: enrol a TOTP app (QR code, then its first code) or SMS codes (a code
/// to the phone, typed back), see the recovery codes once, or turn it off with the password and
/// a fresh code.
#[component]
fn TwoFactor() -> impl IntoView {
    let begin = ServerAction::<TotpBegin>::new();
    let confirm = ServerAction::<TotpConfirm>::new();
    let disable = ServerAction::<TotpDisable>::new();
    let sms_begin = ServerAction::<SmsBegin>::new();
    let sms_confirm = ServerAction::<SmsConfirm>::new();
    let sms_disable = ServerAction::<SmsDisable>::new();
    let sms_code_for_off = ServerAction::<SendIdentityCode>::new();
    let errors = FormErrors::new();
    let sms_errors = FormErrors::new();
    let off_errors = FormErrors::new();
    let code = RwSignal::new(String::new());
    let sms_code = RwSignal::new(String::new());
    let off_code = RwSignal::new(String::new());
    let off_password = RwSignal::new(String::new());
    // The recovery codes of the enrolment just made, shown this once.
    let fresh_codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(r) = confirm.value().get() {
            errors.show(&r);
            if let Ok(codes) = r {
                fresh_codes.set(Some(codes));
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = sms_confirm.value().get() {
            sms_errors.show(&r);
            if let Ok(codes) = r {
                fresh_codes.set(Some(codes));
            }
        }
    });
    Effect::new(move |_| {
        if let Some(r) = disable.value().get() {
            off_errors.show(&r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = sms_disable.value().get() {
            off_errors.show(&r);
            if r.is_ok() {
                fresh_codes.set(None);
            }
        }
    });
    let state = crate::codec::resource(
        move || {
            (
                confirm.version().get(),
                disable.version().get(),
                sms_confirm.version().get(),
                sms_disable.version().get(),
            )
        },
        |_| two_factor_state(),
    );
    view! {
        <section class="two-factor" aria-labelledby="tf-title">
            <h2 id="tf-title">"Двухфакторная защита"</h2>
            {move || fresh_codes.get().map(|codes| view! {
                <div class="alert alert-info" role="status">
                    <p><strong>"Защита включена. Сохраните резервные коды"</strong>
                    " — каждый можно использовать один раз, если телефона не будет под рукой. Больше они не покажутся."</p>
                    <ol class="recovery-codes">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ol>
                </div>
            })}
            <Transition fallback=|| ()>
                {move || state.get().map(|r| match r {
                    Ok(st) if st.method.as_deref() == Some("totp") => view! {
                        <p>{format!("Включена: при входе нужен код из приложения. Резервных кодов осталось: {}.", st.recovery_left)}</p>
                        <ActionForm action=disable attr:class="form narrow" attr:novalidate=true>
                            <FormAlert errors=off_errors/>
                            <Field label="Пароль" name="password" kind="password" errors=off_errors value=off_password autocomplete="current-password"/>
                            <Field label="Код из приложения или резервный код" name="code" errors=off_errors value=off_code autocomplete="one-time-code"/>
                            <button type="submit" class="btn">"Отключить двухфакторную защиту"</button>
                        </ActionForm>
                    }.into_any(),
                    Ok(st) if st.method.as_deref() == Some("sms") => view! {
                        <p>{format!("Включена: при входе нужен код из SMS на {}. Резервных кодов осталось: {}.", st.phone, st.recovery_left)}</p>
                        <ActionForm action=sms_disable attr:class="form narrow" attr:novalidate=true>
                            <FormAlert errors=off_errors/>
                            <Field label="Пароль" name="password" kind="password" errors=off_errors value=off_password autocomplete="current-password"/>
                            <button type="button" class="btn" on:click=move |_| { sms_code_for_off.dispatch(SendIdentityCode {}); }>"Прислать код в SMS"</button>
                            <p role="status">{move || match sms_code_for_off.value().get() {
                                Some(Ok(to)) => format!("Код отправлен на {to}"),
                                Some(Err(e)) => e.to_string(),
                                None => String::new(),
                            }}</p>
                            <Field label="Код из SMS или резервный код" name="code" errors=off_errors value=off_code inputmode="numeric" autocomplete="one-time-code"/>
                            <button type="submit" class="btn">"Отключить двухфакторную защиту"</button>
                        </ActionForm>
                    }.into_any(),
                    Ok(st) => view! {
                        <p>"Выключена. С ней для входа кроме пароля нужен код: из приложения-аутентификатора на телефоне или из SMS."</p>
                        {move || match begin.value().get() {
                            Some(Ok(setup)) => view! {
                                <div class="totp-setup">
                                    <p>"1. Отсканируйте QR-код приложением (Яндекс Ключ, Google Authenticator и другие) или введите ключ вручную."</p>
                                    <div class="qr" role="img" aria-label="QR-код для приложения-аутентификатора" inner_html=setup.qr_svg.clone()></div>
                                    <p>"Ключ: " <code class="totp-secret">{setup.secret.clone()}</code></p>
                                    <p>"2. Введите 6 цифр, которые показывает приложение."</p>
                                    <ActionForm action=confirm attr:class="form narrow" attr:novalidate=true>
                                        <FormAlert errors/>
                                        <Field label="Код из приложения" name="code" errors value=code inputmode="numeric" autocomplete="one-time-code"/>
                                        <button type="submit" class="btn btn-primary">"Подтвердить и включить"</button>
                                    </ActionForm>
                                </div>
                            }.into_any(),
                            Some(Err(e)) => view! { <ErrorBox error=e/> }.into_any(),
                            None => view! {
                                <ActionForm action=begin>
                                    <button type="submit" class="btn btn-primary">"Подключить приложение-аутентификатор"</button>
                                </ActionForm>
                            }.into_any(),
                        }}
                        {
                            let phone = st.phone.clone();
                            move || match sms_begin.value().get() {
                                Some(Ok(to)) => view! {
                                    <div class="sms-setup">
                                        <p role="status">{format!("Код отправлен в SMS на {to}. Введите его, чтобы подтвердить телефон.")}</p>
                                        <ActionForm action=sms_confirm attr:class="form narrow" attr:novalidate=true>
                                            <FormAlert errors=sms_errors/>
                                            <Field label="Код из SMS" name="code" errors=sms_errors value=sms_code inputmode="numeric" autocomplete="one-time-code"/>
                                            <button type="submit" class="btn btn-primary">"Подтвердить телефон и включить"</button>
                                        </ActionForm>
                                    </div>
                                }.into_any(),
                                other => {
                                    let label = format!("Получать коды в SMS на {phone}");
                                    view! {
                                        {other.and_then(Result::err).map(|e| view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> })}
                                        <ActionForm action=sms_begin>
                                            <button type="submit" class="btn">{label}</button>
                                        </ActionForm>
                                    }.into_any()
                                }
                            }
                        }
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
