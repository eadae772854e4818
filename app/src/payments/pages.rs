//! The pages of «Задолженности» and «Оплатить».

use super::{
    ConfirmPay, DebtsPageData, PayStart, ResendPayCode, StartPay, get_debts, get_pay_form,
    get_payment,
};
use crate::AuthEpoch;
use crate::components::{ErrorBox, Field, FormAlert, FormErrors, date, money};
use crate::live::Live;
use crate::policies::today;
use domain::Money;
use domain::dates::format_datetime;
use domain::payments::{BANKS, PayForm, PayMethod, PaymentStatus, PaymentView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Загрузка…"</p> }
}

fn status_class(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Succeeded => "badge badge-ok",
        PaymentStatus::Declined | PaymentStatus::Failed => "badge badge-bad",
        _ => "badge",
    }
}

#[component]
pub fn DebtsPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let data = crate::codec::resource(move || (epoch.get(), live.finance.get()), |_| get_debts());
    let selected = RwSignal::new(Vec::<String>::new());
    view! {
        <Title text="Задолженности — Кабинет страхователя"/>
        <h1>"Задолженности"</h1>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <DebtsTable data=d selected/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn DebtsTable(data: DebtsPageData, selected: RwSignal<Vec<String>>) -> impl IntoView {
    let DebtsPageData {
        debts,
        payments,
        may_pay,
    } = data;
    let rows = StoredValue::new(debts.rows.clone());
    let busy = StoredValue::new(debts.in_progress.clone());
    // Keys no longer owed drop out of the selection (a live update after a payment).
    selected.update_untracked(|s| s.retain(|k| debts.rows.iter().any(|d| &d.key == k)));
    let payable = move || {
        rows.with_value(|r| {
            r.iter()
                .filter(|d| !busy.with_value(|b| b.contains(&d.key)))
                .map(|d| d.key.clone())
                .collect::<Vec<_>>()
        })
    };
    let total = move || {
        selected.with(|s| {
            rows.with_value(|r| {
                Money(
                    r.iter()
                        .filter(|d| s.contains(&d.key))
                        .map(|d| d.total().0)
                        .sum(),
                )
            })
        })
    };
    let all_total = Money(debts.rows.iter().map(|d| d.total().0).sum());
    let all_checked = move || {
        let p = payable();
        !p.is_empty() && selected.with(|s| p.iter().all(|k| s.contains(k)))
    };
    let empty = debts.rows.is_empty();
    view! {
        <p class="lead">{format!("Страхователь: {}", debts.policyholder)}</p>
        {if empty {
            view! {
                <div class="alert alert-ok" role="status">
                    <strong>"Задолженностей нет"</strong>
                    <p>"Все взносы и начисления оплачены."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <form method="get" action="/pay" class="debts-form">
                    <div class="table-wrap">
                        <table class="table table-cards">
                            <caption class="sr-only">"Неоплаченные взносы и штрафы"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">
                                        <input type="checkbox" id="select-all" aria-label="Выбрать все задолженности"
                                            prop:checked=all_checked
                                            on:change=move |ev| {
                                                if event_target_checked(&ev) {
                                                    selected.set(payable());
                                                } else {
                                                    selected.set(Vec::new());
                                                }
                                            }/>
                                    </th>
                                    <th scope="col">"Назначение"</th>
                                    <th scope="col">"Полис"</th>
                                    <th scope="col">"Причина"</th>
                                    <th scope="col">"Срок уплаты"</th>
                                    <th scope="col" class="num">"Дней просрочки"</th>
                                    <th scope="col" class="num">"Сумма"</th>
                                    <th scope="col" class="num">"Пени"</th>
                                    <th scope="col" class="num">"К оплате"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {debts.rows.iter().map(|d| {
                                    let key = StoredValue::new(d.key.clone());
                                    let is_busy = busy.with_value(|b| b.contains(&d.key));
                                    let id = format!("debt-{}", d.key);
                                    view! {
                                        <tr class:row-busy=is_busy>
                                            <td data-label="Выбрать">
                                                <input type="checkbox" name="items" id=id.clone() value=d.key.clone()
                                                    disabled=is_busy
                                                    prop:checked=move || key.with_value(|k| selected.with(|s| s.contains(k)))
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        key.with_value(|k| selected.update(|s| {
                                                            s.retain(|x| x != k);
                                                            if on { s.push(k.clone()); }
                                                        }));
                                                    }/>
                                            </td>
                                            <td data-label="Назначение"><label for=id>{d.title.clone()}</label></td>
                                            <td data-label="Полис">{d.policy_number.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td data-label="Причина">{if is_busy { "Оплачивается".to_string() } else { d.reason.clone() }}</td>
                                            <td data-label="Срок уплаты">{date(d.due_on)}</td>
                                            <td data-label="Дней просрочки" class="num">{d.days_overdue}</td>
                                            <td data-label="Сумма" class="num">{money(d.amount)}</td>
                                            <td data-label="Пени" class="num">{money(d.penalty)}</td>
                                            <td data-label="К оплате" class="num debt">{money(d.total())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {if may_pay {
                        view! {
                        <div class="pay-bar">
                            <p class="pay-total" aria-live="polite">
                                {move || {
                                    let n = selected.with(Vec::len);
                                    format!("Выбрано: {n} · к оплате {}", money(total()))
                                }}
                            </p>
                            <div class="actions">
                                <button type="submit" class="btn btn-primary"
                                    disabled=move || selected.with(Vec::is_empty)>"Оплатить выбранные"</button>
                                <a class="btn" href="/pay?all=1">{format!("Оплатить всё — {}", money(all_total))}</a>
                            </div>
                        </div>
                        }.into_any()
                    } else {
                        view! {
                            <p class="alert" role="status">"Оплата не входит в ваши полномочия: доверенность даёт только просмотр."</p>
                        }.into_any()
                    }}
                </form>
            }.into_any()
        }}
        <h2>"История платежей"</h2>
        {if payments.is_empty() {
            view! { <p class="muted">"Платежей пока не было."</p> }.into_any()
        } else {
            view! {
                <ul class="payments-list">
                    {payments.into_iter().map(|p| {
                        let status = PaymentStatus::from_code(&p.status).unwrap_or(PaymentStatus::Failed);
                        view! {
                            <li>
                                <a href=format!("/payments/{}", p.id)>{p.number.clone()}</a>
                                " · " {format_datetime(p.created_at)} " · " {money(p.amount)} " · " {p.method_label.clone()} " "
                                <span class=status_class(status)>{status.label()}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

fn query_items(q: &leptos_router::params::ParamsMap) -> Vec<String> {
    q.get_all("items")
        .unwrap_or_default()
        .iter()
        .flat_map(|s| {
            s.split(',')
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[component]
pub fn PayPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let query = use_query_map();
    let items = Memo::new(move |_| query.with(query_items));
    let all = Memo::new(move |_| query.with(|q| q.get("all").is_some()));
    let data = crate::codec::resource(
        move || (epoch.get(), items.get(), all.get()),
        |(_, items, all)| async move {
            if items.is_empty() && !all {
                Err(crate::error::AppError::Refused(
                    "Не выбрано ни одной задолженности. Вернитесь к списку и отметьте, что оплатить".into(),
                ))
            } else {
                get_pay_form(items).await
            }
        },
    );
    let start = ServerAction::<StartPay>::new();
    view! {
        <Title text="Оплата задолженности — Кабинет страхователя"/>
        <p class="crumbs"><a href="/debts">"← Задолженности"</a></p>
        <h1>"Оплата"</h1>
        <Suspense fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(d) if d.debts.rows.is_empty() => view! {
                    <div class="alert alert-ok" role="status">
                        <strong>"Нечего оплачивать"</strong>
                        <p>"Выбранные задолженности уже оплачены или оплачиваются."</p>
                    </div>
                }.into_any(),
                Ok(d) => view! { <PayForm data=d start/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn PayForm(data: PayStart, start: ServerAction<StartPay>) -> impl IntoView {
    let rows = data.debts.rows.clone();
    let keys: Vec<String> = rows.iter().map(|d| d.key.clone()).collect();
    let total = Money(rows.iter().map(|d| d.total().0).sum());
    let key = data.key.clone();
    let method = RwSignal::new("card".to_string());
    let card_number = RwSignal::new(String::new());
    let card_expiry = RwSignal::new(String::new());
    let card_holder = RwSignal::new(String::new());
    let wallet = RwSignal::new(String::new());
    let bank = RwSignal::new(String::new());
    let accept = RwSignal::new(false);
    let errors = FormErrors::new();
    let form = {
        let keys = keys.clone();
        move || PayForm {
            items: keys.clone(),
            method: method.get_untracked(),
            card_number: card_number.get_untracked(),
            card_expiry: card_expiry.get_untracked(),
            card_holder: card_holder.get_untracked(),
            wallet: wallet.get_untracked(),
            bank: bank.get_untracked(),
            accept_terms: accept.get_untracked(),
            idempotency_key: key.clone(),
        }
    };
    let form = StoredValue::new(form);
    let check = move |field: &'static str| {
        Callback::new(move |()| {
            let f = form.with_value(|f| f());
            errors.set_field(field, f.check_field(field, today()).err());
        })
    };
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(r) = start.value().get() {
            match &r {
                Ok(id) => navigate(&format!("/payments/{id}"), Default::default()),
                Err(_) => errors.show(&r),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if start.pending().get_untracked() {
            return;
        }
        let f = form.with_value(|f| f());
        match f.validate(today()) {
            Ok(_) => {
                start.dispatch(StartPay { form: f });
            }
            Err(e) => errors.show::<()>(&Err(crate::error::AppError::Fields(e))),
        }
    };
    let is = move |m: PayMethod| method.get() == m.code();
    view! {
        <section aria-labelledby="pay-what">
            <h2 id="pay-what">"Что оплачивается"</h2>
            <ul class="pay-items">
                {rows.iter().map(|d| view! {
                    <li>
                        <span>{d.title.clone()}{d.policy_number.clone().map(|p| format!(" · полис {p}"))}</span>
                        <span class="num">{money(d.amount)}
                            {(d.penalty.0 > 0).then(|| format!(" + пени {}", money(d.penalty)))}</span>
                    </li>
                }).collect_view()}
            </ul>
            <p class="pay-sum">"Итого к оплате: " <strong>{money(total)}</strong></p>
        </section>
        <noscript><p class="alert alert-error">"Для оплаты включите JavaScript в браузере."</p></noscript>
        <form class="form pay-form" on:submit=submit novalidate>
            <FormAlert errors/>
            <fieldset class="methods">
                <legend>"Способ оплаты"</legend>
                {PayMethod::ALL.into_iter().map(|m| view! {
                    <label class="radio">
                        <input type="radio" name="method" value=m.code()
                            prop:checked=move || is(m)
                            on:change=move |_| method.set(m.code().to_string())/>
                        {m.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <Show when=move || is(PayMethod::Card)>
                <Field label="Номер карты" name="card_number" errors value=card_number
                    autocomplete="cc-number" inputmode="numeric" on_blur=check("card_number")
                    hint="16–19 цифр с лицевой стороны карты. Номер карты не сохраняется"/>
                <div class="row-2">
                    <Field label="Срок действия (ММ/ГГ)" name="card_expiry" errors value=card_expiry
                        autocomplete="cc-exp" inputmode="numeric" on_blur=check("card_expiry")/>
                    <Field label="Владелец карты" name="card_holder" errors value=card_holder
                        autocomplete="cc-name" on_blur=check("card_holder") hint="Латинскими буквами, как на карте"/>
                </div>
            </Show>
            <Show when=move || is(PayMethod::Wallet)>
                <Field label="Номер электронного кошелька" name="wallet" errors value=wallet
                    inputmode="numeric" on_blur=check("wallet")/>
            </Show>
            <Show when=move || is(PayMethod::Bank)>
                <div class="field" class:field-invalid=move || errors.field("bank").is_some()>
                    <label for="f-bank">"Банк"</label>
                    <select id="f-bank" name="bank"
                        aria-invalid=move || errors.field("bank").is_some().then_some("true")
                        aria-describedby="f-bank-error"
                        prop:value=move || bank.get()
                        on:change=move |ev| { bank.set(event_target_value(&ev)); errors.set_field("bank", None); }>
                        <option value="">"— выберите банк —"</option>
                        {BANKS.iter().map(|(c, n)| view! { <option value=*c>{*n}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="f-bank-error">{move || errors.field("bank")}</p>
                </div>
            </Show>
            <div class="field" class:field-invalid=move || errors.field("accept_terms").is_some()>
                <label class="checkbox">
                    <input type="checkbox" id="f-accept_terms" name="accept_terms"
                        aria-invalid=move || errors.field("accept_terms").is_some().then_some("true")
                        aria-describedby="f-accept_terms-error"
                        prop:checked=move || accept.get()
                        on:change=move |ev| { accept.set(event_target_checked(&ev)); errors.set_field("accept_terms", None); }/>
                    {format!("Подтверждаю сумму {} и согласен с условиями оплаты: комиссия не взимается, платёж подтверждается кодом из SMS", money(total))}
                </label>
                <p class="field-error" id="f-accept_terms-error">{move || errors.field("accept_terms")}</p>
            </div>
            <p class="field-error" role="alert">{move || errors.field("items").or_else(|| errors.field("form"))}</p>
            <button type="submit" class="btn btn-primary" disabled=move || start.pending().get()>
                {move || if start.pending().get() { "Отправляем…".to_string() } else { format!("Оплатить {}", money(total)) }}
            </button>
        </form>
    }
}

#[component]
pub fn PaymentPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<Live>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let confirm = ServerAction::<ConfirmPay>::new();
    let resend = ServerAction::<ResendPayCode>::new();
    // The code form's state lives here, beside the data, not inside it: every answer (a wrong
    // code too) and every live update fetches the payment again and redraws its view, and a code
    // typed meanwhile must survive that.
    let form = CodeState {
        code: RwSignal::new(String::new()),
        errors: FormErrors::new(),
        resent: RwSignal::new(None::<String>),
    };
    Effect::new(move |_| {
        if let Some(r) = confirm.value().get() {
            form.errors.show(&r);
        }
    });
    Effect::new(move |_| {
        if let Some(r) = resend.value().get() {
            form.resent.set(Some(match r {
                Ok(()) => "Новый код отправлен".into(),
                Err(e) => e.to_string(),
            }));
        }
    });
    // A fallback to the live stream while the bank decides: ask again every few seconds.
    let tick = RwSignal::new(0u32);
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                id.get(),
                live.finance.get(),
                confirm.version().get(),
                resend.version().get(),
                tick.get(),
            )
        },
        |(_, id, ..)| get_payment(id),
    );
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let waiting = data
                    .get_untracked()
                    .and_then(Result::ok)
                    .is_some_and(|v| v.status == PaymentStatus::Processing);
                if waiting {
                    tick.update(|n| *n += 1);
                }
            },
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <p class="crumbs"><a href="/debts">"← Задолженности"</a></p>
        <Transition fallback=loading>
            {move || data.get().map(|r| match r {
                Ok(v) => view! { <PaymentView v confirm resend form/> }.into_any(),
                Err(e) => view! {
                    <Title text="Платёж не найден — Кабинет страхователя"/>
                    <h1>"Платёж не найден"</h1>
                    <ErrorBox error=e/>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn PaymentView(
    v: PaymentView,
    confirm: ServerAction<ConfirmPay>,
    resend: ServerAction<ResendPayCode>,
    form: CodeState,
) -> impl IntoView {
    let retry = {
        let items: Vec<String> = v.items.iter().map(|i| i.debt_key.clone()).collect();
        format!("/pay?items={}", items.join(","))
    };
    let status = v.status;
    view! {
        <Title text=format!("Платёж {} — Кабинет страхователя", v.number)/>
        <h1>{format!("Платёж {}", v.number)}</h1>
        <p class="payment-status" role="status" aria-live="polite">
            "Статус: " <span class=status_class(status)>{status.label()}</span>
        </p>
        <dl class="facts">
            <div><dt>"Сумма"</dt><dd>{money(v.amount)}</dd></div>
            <div><dt>"Способ оплаты"</dt><dd>{v.method_label.clone()}</dd></div>
            <div><dt>"Создан"</dt><dd>{format_datetime(v.created_at)}</dd></div>
            {v.completed_at.map(|t| view! { <div><dt>"Завершён"</dt><dd>{format_datetime(t)}</dd></div> })}
        </dl>
        {match status {
            PaymentStatus::AwaitingCode if v.code_sent_to.is_some() => view! {
                <CodeForm id=v.id.clone() sent_to=v.code_sent_to.clone().unwrap_or_default() confirm resend form/>
            }.into_any(),
            PaymentStatus::AwaitingCode => view! {
                <p class="muted">"Платёж ждёт подтверждения кодом от того, кто его начал."</p>
            }.into_any(),
            PaymentStatus::Processing => view! {
                <div class="alert" role="status">
                    <strong>"Банк обрабатывает платёж"</strong>
                    <p>"Обычно это занимает несколько секунд. Страница обновится сама; её можно закрыть — результат придёт в уведомлениях."</p>
                </div>
            }.into_any(),
            PaymentStatus::Succeeded => view! {
                <div class="alert alert-ok" role="status">
                    <strong>"Оплачено"</strong>
                    <p>"Задолженность погашена. Чек отправлен на электронную почту."</p>
                </div>
                <h2>"Документы"</h2>
                <ul class="doc-links">
                    {v.documents.iter().map(|d| view! {
                        <li><a rel="external" download href=format!("/documents/{}.pdf", d.id)>
                            {format!("{} {} (PDF)", d.kind_label(), d.number)}</a></li>
                    }).collect_view()}
                </ul>
            }.into_any(),
            PaymentStatus::Declined | PaymentStatus::Failed => view! {
                <div class="alert alert-error" role="alert">
                    <strong>"Платёж не выполнен"</strong>
                    <p>{v.reason.clone().unwrap_or_default()}</p>
                </div>
                <p><a class="btn btn-primary" href=retry.clone()>"Попробовать снова"</a></p>
            }.into_any(),
        }}
        <h2>"Что оплачено"</h2>
        <ul class="pay-items">
            {v.items.iter().map(|i| view! {
                <li>
                    <span>{i.title.clone()}{i.policy_number.clone().map(|p| format!(" · полис {p}"))}</span>
                    <span class="num">{money(i.amount)}{(i.penalty.0 > 0).then(|| format!(" + пени {}", money(i.penalty)))}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// What the code form holds across redraws of the payment (see [`PaymentPage`]).
#[derive(Clone, Copy)]
struct CodeState {
    code: RwSignal<String>,
    errors: FormErrors,
    /// What «Отправить код ещё раз» answered.
    resent: RwSignal<Option<String>>,
}

#[component]
fn CodeForm(
    id: String,
    sent_to: String,
    confirm: ServerAction<ConfirmPay>,
    resend: ServerAction<ResendPayCode>,
    form: CodeState,
) -> impl IntoView {
    let CodeState {
        code,
        errors,
        resent,
    } = form;
    let id = StoredValue::new(id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !confirm.pending().get_untracked() {
            confirm.dispatch(ConfirmPay {
                id: id.get_value(),
                code: code.get_untracked(),
            });
        }
    };
    view! {
        <form class="form code-form" on:submit=submit novalidate>
            <h2>"Подтверждение"</h2>
            <p>{format!("Мы отправили код подтверждения на {sent_to}. Введите его, чтобы оплатить.")}</p>
            <FormAlert errors/>
            <Field label="Код из SMS" name="code" errors value=code autocomplete="one-time-code" inputmode="numeric" autofocus=true/>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || confirm.pending().get()>"Подтвердить"</button>
                <button type="button" class="btn" disabled=move || resend.pending().get()
                    on:click=move |_| { resend.dispatch(ResendPayCode { id: id.get_value() }); }>"Отправить код ещё раз"</button>
            </div>
            <p class="muted" role="status">{move || resent.get()}</p>
        </form>
    }
}
