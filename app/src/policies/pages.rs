use super::{get_overview, get_policy, list_policies, today};
use crate::AuthEpoch;
use crate::components::{ErrorBox, date, money};
use domain::model::{PolicyDetail, PolicySummary};
use domain::payments::DocumentRow;
use domain::status::PolicyStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn status_badge(p: &PolicySummary) -> impl IntoView + use<> {
    let s = p.effective_status(today());
    let class = match s {
        PolicyStatus::Active => "badge badge-ok",
        PolicyStatus::Expired | PolicyStatus::Terminated => "badge badge-muted",
        PolicyStatus::Suspended => "badge badge-warn",
    };
    view! { <span class=class>{s.label()}</span> }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let live = expect_context::<crate::live::Live>();
    let data = crate::codec::resource(
        move || (epoch.get(), live.finance.get()),
        |_| get_overview(),
    );
    view! {
        <Title text="Обзор — Кабинет страхователя"/>
        <h1>"Обзор"</h1>
        <Transition fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(None) => view! {
                    <div class="empty">
                        <p>"Ваша учётная запись пока не связана ни с одним страхователем."</p>
                        <p>"Когда страхователь выдаст вам полномочия (доверенность, приказ, агентский договор) и страховщик их зарегистрирует, здесь появятся его полисы и платежи."</p>
                    </div>
                }.into_any(),
                Ok(Some(o)) => view! {
                    <p class="lead">"Вы действуете от имени: " <strong>{o.policyholder.name.clone()}</strong>
                        " (" {o.policyholder.role_label()} ")"</p>
                    <div class="cards">
                        <a class="card card-link" href="/policies">
                            <span class="card-label">"Действующие полисы"</span>
                            <span class="card-value">{o.active_policies}</span>
                            <span class="card-note">{format!("всего полисов: {}", o.all_policies)}</span>
                        </a>
                        <a class="card card-link" href="/debts">
                            <span class="card-label">"Задолженность по взносам"</span>
                            <span class="card-value" class:debt={o.totals.debt().0 > 0}>{money(o.totals.debt())}</span>
                            <span class="card-note">{format!("начислено {}, уплачено {} · оплатить", money(o.totals.accrued), money(o.totals.paid))}</span>
                        </a>
                        <div class="card">
                            <span class="card-label">"Ближайший платёж"</span>
                            {match o.next_due.clone() {
                                Some(c) => view! {
                                    <span class="card-value">{money(c.debt())}</span>
                                    <span class="card-note">{format!("срок {} · {}", date(c.due_on), c.programme)}</span>
                                }.into_any(),
                                None => view! { <span class="card-value">"—"</span><span class="card-note">"долгов нет"</span> }.into_any(),
                            }}
                        </div>
                    </div>
                }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
pub fn PoliciesPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let data = crate::codec::resource(move || epoch.get(), |_| list_policies());
    view! {
        <Title text="Мои страховые полисы — Кабинет страхователя"/>
        <h1>"Мои страховые полисы"</h1>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! {
                    <p class="empty">"Полисов пока нет. Когда страховщик оформит полис на вас, он появится здесь."</p>
                }.into_any(),
                Ok(list) => view! { <PolicyTable list/> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn PolicyTable(list: Vec<PolicySummary>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table table-cards">
                <caption class="sr-only">"Полисы страхователя"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Номер"</th>
                        <th scope="col">"Программа"</th>
                        <th scope="col">"Страховщик"</th>
                        <th scope="col">"Период"</th>
                        <th scope="col" class="num">"Страховая сумма"</th>
                        <th scope="col">"Статус"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|p| {
                        let href = format!("/policies/{}", p.id);
                        view! {
                            <tr>
                                <td data-label="Номер"><a href=href>{p.number.clone()}</a></td>
                                <td data-label="Программа">{p.programme.clone()}</td>
                                <td data-label="Страховщик">{p.insurer.clone()}</td>
                                <td data-label="Период">{format!("{} — {}", date(p.starts_on), date(p.ends_on))}</td>
                                <td data-label="Страховая сумма" class="num">{money(p.insured_sum)}</td>
                                <td data-label="Статус">{status_badge(&p)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn PolicyPage() -> impl IntoView {
    let epoch = expect_context::<AuthEpoch>();
    let params = use_params_map();
    let data = crate::codec::resource(
        move || {
            (
                epoch.get(),
                params.with(|p| p.get("id").unwrap_or_default()),
            )
        },
        |(_, id)| get_policy(id),
    );
    view! {
        <p class="crumbs"><a href="/policies">"← Мои страховые полисы"</a></p>
        <Suspense fallback=|| view! { <p class="muted" role="status">"Загрузка…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(d) => view! { <PolicyView d/> }.into_any(),
                Err(e) => view! { <Title text="Полис не найден — Кабинет страхователя"/><h1>"Полис не найден"</h1><ErrorBox error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// «Получить документ»: the policy, the payout application template and the history of insured
/// events as PDFs. A plain form POST (it works before the WASM loads): the server makes the
/// document from the policy's current data — or finds the one already made from the same data —
/// and sends the browser on to its PDF; it stays in «Документы».
#[component]
fn PolicyDocuments(id: String) -> impl IntoView {
    let action = move |kind: &str| format!("/policies/{id}/documents/{kind}");
    view! {
        <section aria-labelledby="policy-documents-title">
            <h2 id="policy-documents-title">"Получить документ"</h2>
            <p class="hint">"PDF по текущим данным полиса с QR-кодом для проверки подлинности. Если данные не менялись, откроется уже выданный документ; все они хранятся в разделе «Документы»."</p>
            <form method="post" class="actions" id="policy-documents">
                {DocumentRow::FROM_POLICY.into_iter().map(|k| view! {
                    <button type="submit" class="btn" formaction=action(k)>{format!("{} (PDF)", DocumentRow::label_of(k))}</button>
                }).collect_view()}
            </form>
        </section>
    }
}

#[component]
fn PolicyView(d: PolicyDetail) -> impl IntoView {
    let p = d.policy.clone();
    let title = format!("Полис {} — Кабинет страхователя", p.number);
    let i = d.insurer.clone();
    view! {
        <Title text=title/>
        <h1>"Полис " {p.number.clone()}</h1>
        <p class="lead">{p.programme.clone()} " · " {status_badge(&p)}</p>
        <dl class="facts">
            <div><dt>"Страховщик"</dt><dd>{p.insurer.clone()}</dd></div>
            <div><dt>"Период действия"</dt><dd>{format!("{} — {}", date(p.starts_on), date(p.ends_on))}</dd></div>
            <div><dt>"Страховая сумма"</dt><dd>{money(p.insured_sum)}</dd></div>
            <div><dt>"Страховая премия в год"</dt><dd>{money(p.premium)}</dd></div>
            <div><dt>"Начислено взносов"</dt><dd>{money(d.totals.accrued)}</dd></div>
            <div><dt>"Уплачено"</dt><dd>{money(d.totals.paid)}</dd></div>
            <div><dt>"Задолженность"</dt><dd class:debt={d.totals.debt().0 > 0}>{money(d.totals.debt())}</dd></div>
        </dl>
        <div class="actions">
            <a class="btn btn-primary" href=format!("/policies/{}/request", p.id)>"Создать запрос"</a>
            <a class="btn" href=format!("/requests?policy={}", p.id)>"Запросы по полису"</a>
            <a class="btn" href=format!("/documents?policy={}", p.id)>"Документы по полису"</a>
        </div>
        <PolicyDocuments id=p.id.clone()/>
        <h2>"Последние взносы"</h2>
        {if d.recent.is_empty() {
            view! { <p class="empty">"Взносов по полису пока не начислено."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table table-cards">
                        <thead><tr>
                            <th scope="col">"Дата начисления"</th>
                            <th scope="col">"Срок уплаты"</th>
                            <th scope="col" class="num">"Размер взноса"</th>
                            <th scope="col" class="num">"Уплачено"</th>
                            <th scope="col" class="num">"Остаток задолженности"</th>
                        </tr></thead>
                        <tbody>
                            {d.recent.iter().map(|c| view! {
                                <tr>
                                    <td data-label="Дата начисления">{date(c.accrued_on)}</td>
                                    <td data-label="Срок уплаты">{date(c.due_on)}</td>
                                    <td data-label="Размер взноса" class="num">{money(c.amount)}</td>
                                    <td data-label="Уплачено" class="num">{money(c.paid)}</td>
                                    <td data-label="Остаток задолженности" class="num" class:debt={c.debt().0 > 0}>{money(c.debt())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <h2>"Реквизиты для оплаты"</h2>
        <dl class="facts">
            <div><dt>"Получатель"</dt><dd>{i.name.clone()}</dd></div>
            <div><dt>"ИНН / КПП"</dt><dd>{format!("{} / {}", i.inn, i.kpp)}</dd></div>
            <div><dt>"ОГРН"</dt><dd>{i.ogrn.clone()}</dd></div>
            <div><dt>"Банк"</dt><dd>{i.bank_name.clone()}</dd></div>
            <div><dt>"БИК"</dt><dd>{i.bik.clone()}</dd></div>
            <div><dt>"Расчётный счёт"</dt><dd>{i.account.clone()}</dd></div>
            <div><dt>"Корр. счёт"</dt><dd>{i.corr_account.clone()}</dd></div>
        </dl>
    }
}
