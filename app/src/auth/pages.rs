//! The account pages: «Вход», «Регистрация», «Подтверждение».

use super::{
    Confirm, Login, RecoverFinish, RecoverStart, Register, ResendCode, ResendLoginCode,
    SecondFactor, get_code_status, get_login_factor,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors, NewPasswordFields};
use domain::forms::Registration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shows each answer of `action` in `errors`, and tells the app who is logged in may have changed.
fn follow<I, O>(action: ServerAction<I>, errors: FormErrors)
where
    I: leptos::server_fn::ServerFn<Output = O, Error = crate::error::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    O: Clone + Send + Sync + 'static,
{
    let epoch = expect_context::<AuthEpoch>();
    // A form posted before the WASM loaded comes back with its error in the URL; the action
    // starts with it, on the server and in the browser alike.
    if let Some(Err(e)) = action.value().get_untracked() {
        errors.show::<()>(&Err(e));
    }
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            errors.show(&result);
            if result.is_ok() {
                epoch.bump();
            }
        }
    });
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let errors = FormErrors::new();
    follow(action, errors);
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let expired = move || query.with(|q| q.get("expired").is_some());
    let reset = move || query.with(|q| q.get("reset").is_some());
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    view! {
        <Title text="Вход — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Вход в кабинет"</h1>
            <Show when=expired>
                <div class="alert alert-info" role="status">
                    "Сеанс завершён из-за бездействия. Войдите снова."
                </div>
            </Show>
            <Show when=reset>
                <div class="alert alert-info" role="status">"Пароль изменён, все сеансы завершены. Войдите с новым паролем."</div>
            </Show>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert errors/>
                <Field
                    label="E-mail, телефон, СНИЛС или ИНН"
                    name="login"
                    errors
                    value=login
                    autocomplete="username"
                    autofocus=true
                />
                <Field
                    label="Пароль"
                    name="password"
                    kind="password"
                    errors
                    value=password
                    autocomplete="current-password"
                />
                <input type="hidden" name="next" value=next/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Входим…" } else { "Войти" }}
                </button>
            </ActionForm>
            <p class="auth-alt"><a href="/recover">"Забыли пароль?"</a></p>
            <p class="auth-alt"><a href="/recover/manual">"Нет доступа ни к почте, ни к телефону?"</a></p>
            <p class="auth-alt">"Впервые здесь? " <a href="/register">"Зарегистрироваться"</a></p>
        </section>
    }
}

/// «Код подтверждения входа»: the second step of a login when two-factor protection is on — a
/// code from the app, or one sent by SMS (with «Отправить код ещё раз»), or a recovery code.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let action = ServerAction::<SecondFactor>::new();
    let resend = ServerAction::<ResendLoginCode>::new();
    let errors = FormErrors::new();
    let resend_errors = FormErrors::new();
    follow(action, errors);
    Effect::new(move |_| {
        if let Some(r) = resend.value().get() {
            resend_errors.show(&r);
        }
    });
    let factor = crate::codec::resource(move || resend.version().get(), |_| get_login_factor());
    let remaining = RwSignal::new(0i64);
    Effect::new(move |_| {
        if let Some(Ok(f)) = factor.get() {
            remaining.set(f.resend_in);
        }
    });
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|r| *r = (*r - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let code = RwSignal::new(String::new());
    view! {
        <Title text="Код входа — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="code-title">
            <h1 id="code-title">"Подтверждение входа"</h1>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
                {move || factor.get().map(|r| {
                    let sms = r.as_ref().is_ok_and(|f| f.method == "sms");
                    let to = r.as_ref().map(|f| f.destination.clone()).unwrap_or_default();
                    view! {
                        <p class="lead" role="status">
                            {if sms {
                                format!("Мы отправили 6-значный код в SMS на {to}. Код действует 5 минут, на ввод даётся 5 попыток. Нет доступа к телефону — введите один из резервных кодов.")
                            } else {
                                "Введите 6 цифр из приложения-аутентификатора. Нет доступа к приложению — введите один из резервных кодов.".to_string()
                            }}
                        </p>
                        <ActionForm action=action attr:class="form" attr:novalidate=true>
                            <FormAlert errors/>
                            <Field
                                label={if sms { "Код из SMS или резервный код" } else { "Код из приложения или резервный код" }}
                                name="code"
                                errors
                                value=code
                                autocomplete="one-time-code"
                                autofocus=true
                            />
                            <input type="hidden" name="next" value=next/>
                            <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>"Войти"</button>
                        </ActionForm>
                        {sms.then(|| view! {
                            <ActionForm action=resend attr:class="form form-secondary">
                                <FormAlert errors=resend_errors/>
                                <button type="submit" class="btn" disabled={move || remaining.get() > 0 || resend.pending().get()}>
                                    {move || match remaining.get() {
                                        0 => "Отправить код ещё раз".to_string(),
                                        n => format!("Отправить код ещё раз через {n} с"),
                                    }}
                                </button>
                            </ActionForm>
                        })}
                    }
                })}
            </Suspense>
            <form method="post" action="/logout" class="auth-alt">
                <button type="submit" class="btn-link">"Войти под другой учётной записью"</button>
            </form>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let errors = FormErrors::new();
    follow(action, errors);
    let full_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let id_number = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let password2 = RwSignal::new(String::new());
    let channel = RwSignal::new("email".to_string());
    let form = move || Registration {
        full_name: full_name.get_untracked(),
        email: email.get_untracked(),
        phone: phone.get_untracked(),
        id_number: id_number.get_untracked(),
        password: password.get_untracked(),
        password2: password2.get_untracked(),
        channel: channel.get_untracked(),
    };
    // The same rules as the server's, as the user leaves each field (only once something is typed).
    let check = move |field: &'static str, value: RwSignal<String>| {
        Callback::new(move |_| {
            if !value.get_untracked().is_empty() {
                errors.set_field(field, form().check_field(field).err());
            }
        })
    };
    view! {
        <Title text="Регистрация — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="reg-title">
            <h1 id="reg-title">"Регистрация"</h1>
            <p class="lead">
                "После регистрации мы пришлём код подтверждения. Если вы уже страхователь, укажите тот же СНИЛС или ИНН и контакт, что в договоре, — полисы появятся в кабинете сами."
            </p>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <FormAlert errors/>
                <Field label="Фамилия, имя, отчество" name="full_name" errors value=full_name autocomplete="name" on_blur=check("full_name", full_name)/>
                <Field label="Электронная почта" name="email" kind="email" errors value=email autocomplete="email" on_blur=check("email", email)/>
                <Field label="Мобильный телефон" name="phone" kind="tel" errors value=phone autocomplete="tel" hint="Например, +7 912 345-67-89" on_blur=check("phone", phone)/>
                <Field label="СНИЛС или ИНН" name="id_number" errors value=id_number inputmode="numeric" hint="СНИЛС — 11 цифр, ИНН физического лица — 12 цифр" on_blur=check("id_number", id_number)/>
                <Field
                    label="Пароль"
                    name="password"
                    kind="password"
                    errors
                    value=password
                    autocomplete="new-password"
                    hint=domain::password::HINT
                    on_blur=check("password", password)
                />
                <Field label="Пароль ещё раз" name="password2" kind="password" errors value=password2 autocomplete="new-password" on_blur=check("password2", password2)/>
                <fieldset class="field">
                    <legend>"Куда прислать код подтверждения"</legend>
                    <label class="choice">
                        <input type="radio" name="channel" value="email" checked=move || channel.get() == "email" on:change=move |_| channel.set("email".into())/>
                        " На электронную почту"
                    </label>
                    <label class="choice">
                        <input type="radio" name="channel" value="sms" checked=move || channel.get() == "sms" on:change=move |_| channel.set("sms".into())/>
                        " В SMS"
                    </label>
                    <p class="field-error">{move || errors.field("channel")}</p>
                </fieldset>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Регистрируем…" } else { "Зарегистрироваться" }}
                </button>
            </ActionForm>
            <p class="auth-alt">"Уже есть учётная запись? " <a href="/login">"Войти"</a></p>
        </section>
    }
}

#[component]
pub fn ConfirmPage() -> impl IntoView {
    let confirm = ServerAction::<Confirm>::new();
    let resend = ServerAction::<ResendCode>::new();
    let errors = FormErrors::new();
    let resend_errors = FormErrors::new();
    follow(confirm, errors);
    Effect::new(move |_| {
        if let Some(r) = resend.value().get() {
            resend_errors.show(&r);
        }
    });
    let status = crate::codec::resource(move || resend.version().get(), |_| get_code_status());
    let code = RwSignal::new(String::new());
    let remaining = RwSignal::new(0i64);
    Effect::new(move |_| {
        if let Some(Ok(s)) = status.get() {
            remaining.set(s.resend_in);
        }
    });
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|r| *r = (*r - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <Title text="Подтверждение — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="confirm-title">
            <h1 id="confirm-title">"Подтверждение учётной записи"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Загрузка…"</p> }>
                {move || status.get().map(|r| match r {
                    Ok(s) if !s.sent => view! {
                        <p class="lead" role="status">
                            "Не удалось отправить код, попробуйте позже. Выберите ниже, куда прислать код, и нажмите «Отправить код ещё раз»."
                        </p>
                    }.into_any(),
                    Ok(s) => view! {
                        <p class="lead" role="status">
                            "Мы отправили 6-значный код на " <strong>{s.destination.clone()}</strong>
                            ". Код действует 5 минут, на ввод даётся 5 попыток."
                        </p>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Suspense>
            <ActionForm action=confirm attr:class="form" attr:novalidate=true>
                <FormAlert errors/>
                <Field
                    label="Код из сообщения"
                    name="code"
                    errors
                    value=code
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    autofocus=true
                />
                <button type="submit" class="btn btn-primary" disabled=move || confirm.pending().get()>
                    "Подтвердить"
                </button>
            </ActionForm>
            <ActionForm action=resend attr:class="form form-secondary">
                <FormAlert errors=resend_errors/>
                <fieldset class="field">
                    <legend>"Не пришёл код?"</legend>
                    <label class="choice">
                        <input type="radio" name="channel" value="email" checked=move || status.get().and_then(Result::ok).is_none_or(|s| s.channel == "email")/>
                        {move || format!(" На почту {}", status.get().and_then(Result::ok).map(|s| s.email).unwrap_or_default())}
                    </label>
                    <label class="choice">
                        <input type="radio" name="channel" value="sms" checked=move || status.get().and_then(Result::ok).is_some_and(|s| s.channel == "sms")/>
                        {move || format!(" В SMS на {}", status.get().and_then(Result::ok).map(|s| s.phone).unwrap_or_default())}
                    </label>
                </fieldset>
                <button type="submit" class="btn" disabled={move || remaining.get() > 0 || resend.pending().get()}>
                    {move || match remaining.get() {
                        0 => "Отправить код ещё раз".to_string(),
                        n => format!("Отправить код ещё раз через {n} с"),
                    }}
                </button>
            </ActionForm>
            <form method="post" action="/logout" class="auth-alt">
                <button type="submit" class="btn-link">"Выйти и войти под другой учётной записью"</button>
            </form>
        </section>
    }
}

#[component]
pub fn RecoverPage() -> impl IntoView {
    let start = ServerAction::<RecoverStart>::new();
    let finish = ServerAction::<RecoverFinish>::new();
    let start_errors = FormErrors::new();
    let finish_errors = FormErrors::new();
    follow(start, start_errors);
    follow(finish, finish_errors);
    let query = use_query_map();
    let sent_to = move || query.with(|q| q.get("contact")).filter(|c| !c.is_empty());
    let contact = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let password2 = RwSignal::new(String::new());
    view! {
        <Title text="Восстановление пароля — Кабинет страхователя"/>
        <section class="auth-card" aria-labelledby="recover-title">
            <h1 id="recover-title">"Восстановление пароля"</h1>
            {move || match sent_to() {
                None => view! {
                    <p class="lead">"Укажите e-mail или телефон, указанные при регистрации. Мы пришлём код для смены пароля."</p>
                    <ActionForm action=start attr:class="form" attr:novalidate=true>
                        <FormAlert errors=start_errors/>
                        <Field label="E-mail или телефон" name="contact" errors=start_errors value=contact autocomplete="username" autofocus=true/>
                        <button type="submit" class="btn btn-primary" disabled=move || start.pending().get()>"Получить код"</button>
                    </ActionForm>
                }.into_any(),
                Some(c) => view! {
                    <p class="lead" role="status">
                        "Если учётная запись с контактом " <strong>{c.clone()}</strong>
                        " есть, мы отправили на него 6-значный код. Он действует 5 минут."
                    </p>
                    <ActionForm action=finish attr:class="form" attr:novalidate=true>
                        <FormAlert errors=finish_errors/>
                        <input type="hidden" name="contact" value=c.clone()/>
                        <Field label="Код из сообщения" name="code" errors=finish_errors value=code inputmode="numeric" autocomplete="one-time-code" autofocus=true/>
                        <NewPasswordFields errors=finish_errors password password2/>
                        <button type="submit" class="btn btn-primary" disabled=move || finish.pending().get()>"Сменить пароль"</button>
                    </ActionForm>
                    <p class="auth-alt"><a href="/recover">"Не пришёл код? Запросить снова"</a></p>
                }.into_any(),
            }}
            <p class="auth-alt"><a href="/recover/manual">"Нет доступа ни к почте, ни к телефону? Восстановление доступа без подтверждения"</a></p>
            <p class="auth-alt"><a href="/login">"Вспомнили пароль? Войти"</a></p>
        </section>
    }
}
