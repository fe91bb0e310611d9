import type { Child } from 'hono/jsx';
import { ORG_KINDS } from '../organizations.schema.js';
import type { Organization, OrgTree } from '../organizations.service.js';

export function ContactFacts({ org }: { org: Organization }) {
  return (
    <dl class="facts">
      {org.address ? (
        <>
          <dt>办公地址</dt>
          <dd>{org.address}</dd>
        </>
      ) : null}
      {org.postcode ? (
        <>
          <dt>邮政编码</dt>
          <dd>{org.postcode}</dd>
        </>
      ) : null}
      {org.phone ? (
        <>
          <dt>联系电话</dt>
          <dd>
            <a href={`tel:${org.phone.replace(/[^\d+]/g, '')}`}>{org.phone}</a>
          </dd>
        </>
      ) : null}
      {org.fax ? (
        <>
          <dt>传真</dt>
          <dd>{org.fax}</dd>
        </>
      ) : null}
      {org.email ? (
        <>
          <dt>电子邮箱</dt>
          <dd>
            <a href={`mailto:${org.email}`}>{org.email}</a>
          </dd>
        </>
      ) : null}
      {org.officeHours ? (
        <>
          <dt>办公时间</dt>
          <dd>{org.officeHours}</dd>
        </>
      ) : null}
    </dl>
  );
}

export function DistrictHome({ tree, root }: { tree: OrgTree; root: Organization | undefined }) {
  const govs = tree.children(null).filter((o) => o.active);
  return (
    <>
      <h1>{root ? `${root.name}政务公开` : '政务公开'}</h1>
      <p>本平台集中发布区人民政府及其工作部门依法主动公开的政府信息，受理政府信息公开申请。</p>
      {govs.map((g) => {
        const depts = tree.children(g.id).filter((o) => o.active && o.kind !== 'office');
        return (
          <section aria-labelledby={`org-${g.id}`}>
            <h2 id={`org-${g.id}`}>
              <a href={`/org/${g.slug}`}>{g.name}</a>
            </h2>
            {depts.length > 0 ? (
              <>
                <h3>政府工作部门（{depts.length} 个）</h3>
                <ul class="grid list-agencies">
                  {depts.map((d) => (
                    <li class="card">
                      <h4>
                        <a href={`/org/${d.slug}`}>{d.name}</a>
                      </h4>
                      {d.phone ? <p class="meta">电话：{d.phone}</p> : null}
                      {d.address ? <p class="meta">地址：{d.address}</p> : null}
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p>暂无下属部门。</p>
            )}
          </section>
        );
      })}
      {govs.length === 0 ? <p>尚未设置任何机构。系统管理员登录管理后台后可以新建机构。</p> : null}
    </>
  );
}

export function AgencyHome({ org, tree, sections }: { org: Organization; tree: OrgTree; sections: Child[] }) {
  const offices = tree.children(org.id).filter((o) => o.active);
  const parent = org.parentId ? tree.byId.get(org.parentId) : undefined;
  return (
    <>
      <h1>{org.name}</h1>
      <div class="grid">
        <section class="card" aria-labelledby="intro">
          <h2 id="intro">机构概况</h2>
          <p>
            {org.functions
              ? `${org.functions.slice(0, 120)}${org.functions.length > 120 ? '……' : ''}`
              : '机构职能信息正在整理中。'}
          </p>
          <p>
            <a href={`/org/${org.slug}/about`}>查看机构职能、领导信息和联系方式</a>
          </p>
        </section>
        <section class="card" aria-labelledby="contact">
          <h2 id="contact">联系方式</h2>
          <ContactFacts org={org} />
        </section>
        {org.leadership.length > 0 ? (
          <section class="card" aria-labelledby="leaders">
            <h2 id="leaders">领导信息</h2>
            <ul class="list-plain">
              {org.leadership.map((l) => (
                <li>
                  <span>{l.name}</span>
                  <span class="meta">{l.title}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
      {sections}
      {offices.length > 0 ? (
        <section aria-labelledby="offices">
          <h2 id="offices">内设机构和下属单位</h2>
          <ul class="list-plain">
            {offices.map((o) => (
              <li>
                <a href={`/org/${o.slug}`}>{o.name}</a>
                <span class="meta">{ORG_KINDS[o.kind]}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {parent ? (
        <p>
          上级机构：<a href={`/org/${parent.slug}`}>{parent.name}</a>
        </p>
      ) : null}
    </>
  );
}

export function AgencyAbout({ org }: { org: Organization }) {
  return (
    <>
      <h1>{org.name}机构概况</h1>
      <section aria-labelledby="functions">
        <h2 id="functions">机构职能</h2>
        {org.functions ? (
          org.functions
            .split(/\r?\n/)
            .filter(Boolean)
            .map((p) => <p>{p}</p>)
        ) : (
          <p>暂无内容。</p>
        )}
      </section>
      <section aria-labelledby="leadership">
        <h2 id="leadership">领导信息</h2>
        {org.leadership.length === 0 ? (
          <p>暂无内容。</p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">领导姓名、职务和分工</caption>
              <thead>
                <tr>
                  <th scope="col">姓名</th>
                  <th scope="col">职务</th>
                  <th scope="col">工作分工</th>
                </tr>
              </thead>
              <tbody>
                {org.leadership.map((l) => (
                  <tr>
                    <td>{l.name}</td>
                    <td>{l.title}</td>
                    <td>{l.duties}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="contact">
        <h2 id="contact">联系方式</h2>
        <ContactFacts org={org} />
        {org.website ? (
          <p>
            网站：<a href={org.website}>{org.website}</a>
          </p>
        ) : null}
      </section>
    </>
  );
}
