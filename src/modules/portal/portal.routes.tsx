import { Hono } from 'hono';
import type { AppEnv, Deps } from '../../platform/context.js';
import { portalPage } from '../../platform/http/portal.js';

/** Site-wide public pages: accessibility statement, robots.txt. */
export function portalRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();

  app.get('/accessibility', (c) =>
    portalPage(c, deps, {
      title: '无障碍说明',
      crumbs: [{ label: '首页', href: '/' }, { label: '无障碍说明' }],
      children: (
        <>
          <h1>无障碍说明</h1>
          <p>
            本网站按照《信息技术 互联网内容无障碍可访问性技术要求与测试方法》（GB/T 37668）和 WCAG 2.1 AA 级要求建设：
          </p>
          <ul>
            <li>所有页面不依赖脚本即可使用，可用键盘完成全部操作，按 Tab 键时焦点清晰可见；</li>
            <li>页面顶部的“长者模式”可放大字号、提高对比度，设置会被记住，再次点击即可退出；</li>
            <li>页面适配手机、平板和电脑屏幕，也可直接打印；</li>
            <li>图片均有文字说明，表格有表头，表单项均有标签和错误提示。</li>
          </ul>
          <p>如在使用中遇到困难，请通过页面底部的联系方式告诉我们。</p>
        </>
      ),
    }),
  );

  app.get('/favicon.ico', (c) => c.redirect('/static/favicon.svg', 301));

  app.get('/robots.txt', (c) => {
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return c.body(
      `User-agent: *\nDisallow: /console\nDisallow: /elderly-mode\nSitemap: ${deps.config.publicBaseUrl}/sitemap.xml\n`,
    );
  });

  return app;
}
